// Durable state of the built-in Direct Line in SQLite: conversations, each conversation's activity list
// (the watermark is the position in that list) and uploaded files, so a restart keeps every open
// conversation where it was.
import { type ConversationRow, type StoredActivity, type UploadRow, type WebChatRepo, activityId } from '../ports';
import { type Database, withBusyRetry } from './database';

export class SqliteWebChat implements WebChatRepo {
  private readonly statements;
  /** append's transaction, built once (not for every message, reply and typing indicator). */
  private readonly appendTransaction;

  constructor(private readonly db: Database) {
    this.statements = {
      insertConversation: db.prepare(
        `INSERT INTO webchat_conversations (id, user_id, locale, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
      ),
      getConversation: db.prepare<[string], Record<string, unknown>>(`SELECT * FROM webchat_conversations WHERE id = ?`),
      markStarted: db.prepare(`UPDATE webchat_conversations SET started_at = ?, locale = coalesce(?, locale) WHERE id = ? AND started_at IS NULL`),
      nextSeq: db.prepare<[string, string], { last_seq: number }>(
        `UPDATE webchat_conversations SET last_seq = last_seq + 1, updated_at = ? WHERE id = ? AND ended_at IS NULL RETURNING last_seq`,
      ),
      insertActivity: db.prepare(`INSERT INTO webchat_activities (conversation_id, seq, type, activity, created_at) VALUES (?, ?, ?, ?, ?)`),
      activitiesAfter: db.prepare<[string, number, number], { seq: number; activity: string }>(
        `SELECT seq, activity FROM webchat_activities WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      ),
      getActivity: db.prepare<[string, number], { activity: string }>(`SELECT activity FROM webchat_activities WHERE conversation_id = ? AND seq = ?`),
      hasActivity: db.prepare<[string, number], { found: number }>(`SELECT 1 AS found FROM webchat_activities WHERE conversation_id = ? AND seq = ? LIMIT 1`),
      insertUpload: db.prepare(
        `INSERT INTO webchat_uploads (id, conversation_id, name, content_type, size, file, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      getUpload: db.prepare<[string], Record<string, unknown>>(`SELECT * FROM webchat_uploads WHERE id = ?`),
      staleConversations: db.prepare<[string], { id: string }>(`SELECT id FROM webchat_conversations WHERE updated_at < ?`),
      uploadsOf: db.prepare<[string], { file: string }>(`SELECT file FROM webchat_uploads WHERE conversation_id = ?`),
      deleteConversation: db.prepare(`DELETE FROM webchat_conversations WHERE id = ?`),
    };
    this.appendTransaction = db.transaction((conversationId: string, activity: Record<string, unknown>, at: string): StoredActivity | undefined => {
      const row = this.statements.nextSeq.get(at, conversationId);
      if (!row) return undefined;
      const stored: Record<string, unknown> = { ...activity, id: activityId(conversationId, row.last_seq), timestamp: at };
      this.statements.insertActivity.run(conversationId, row.last_seq, String(activity.type ?? ''), JSON.stringify(stored), at);
      return { seq: row.last_seq, activity: stored };
    });
  }

  async createConversation(id: string, userId: string, locale: string | undefined, now: Date): Promise<void> {
    const at = now.toISOString();
    withBusyRetry(() => this.statements.insertConversation.run(id, userId, locale ?? null, at, at));
  }

  async getConversation(id: string): Promise<ConversationRow | undefined> {
    const row = this.statements.getConversation.get(id);
    return row && toConversation(row);
  }

  /** True the first time only: the caller then tells the bot that the seller joined. */
  async markStarted(id: string, locale: string | undefined, now: Date): Promise<boolean> {
    return withBusyRetry(() => this.statements.markStarted.run(now.toISOString(), locale ?? null, id).changes === 1);
  }

  /**
   * Appends an activity, giving it the next watermark position, its Direct Line id and a server
   * timestamp. Returns undefined when the conversation is unknown or ended.
   */
  async append(conversationId: string, activity: Record<string, unknown>, now: Date): Promise<StoredActivity | undefined> {
    const at = now.toISOString();
    return withBusyRetry(() => this.appendTransaction.immediate(conversationId, activity, at));
  }

  async activitiesAfter(conversationId: string, watermark: number, limit = 100): Promise<StoredActivity[]> {
    return this.statements.activitiesAfter
      .all(conversationId, watermark, limit)
      .map((r) => ({ seq: r.seq, activity: JSON.parse(r.activity) as Record<string, unknown> }));
  }

  async getActivity(conversationId: string, seq: number): Promise<Record<string, unknown> | undefined> {
    const row = this.statements.getActivity.get(conversationId, seq);
    return row ? (JSON.parse(row.activity) as Record<string, unknown>) : undefined;
  }

  /** Whether `id` names an activity in this conversation's list. */
  async hasActivity(conversationId: string, id: string): Promise<boolean> {
    const prefix = `${conversationId}|`;
    if (!id.startsWith(prefix)) return false;
    const seq = Number(id.slice(prefix.length));
    return Number.isInteger(seq) && seq > 0 && this.statements.hasActivity.get(conversationId, seq) !== undefined;
  }

  async addUpload(upload: UploadRow): Promise<void> {
    withBusyRetry(() =>
      this.statements.insertUpload.run(upload.id, upload.conversationId, upload.name, upload.contentType, upload.size, upload.file, upload.createdAt),
    );
  }

  async getUpload(id: string): Promise<UploadRow | undefined> {
    const row = this.statements.getUpload.get(id);
    return row && toUpload(row);
  }

  /** Deletes conversations idle since before `cutoff`; returns the upload files to remove. */
  async purgeIdleSince(cutoff: Date): Promise<{ conversations: number; files: string[] }> {
    const run = this.db.transaction(() => {
      const ids = this.statements.staleConversations.all(cutoff.toISOString()).map((r) => r.id);
      const files: string[] = [];
      for (const id of ids) {
        files.push(...this.statements.uploadsOf.all(id).map((r) => r.file));
        this.statements.deleteConversation.run(id);
      }
      return { conversations: ids.length, files };
    });
    return withBusyRetry(() => run.immediate());
  }
}

/** A webchat_conversations row as the port has it (times as ISO text on every backend). */
export function toConversation(row: Record<string, unknown>): ConversationRow {
  return {
    id: row.id as string,
    userId: row.user_id as string,
    locale: (row.locale as string | null) ?? null,
    createdAt: row.created_at as string,
    startedAt: (row.started_at as string | null) ?? null,
    endedAt: (row.ended_at as string | null) ?? null,
    lastSeq: row.last_seq as number,
  };
}

export function toUpload(row: Record<string, unknown>): UploadRow {
  return {
    id: row.id as string,
    conversationId: row.conversation_id as string,
    name: row.name as string,
    contentType: row.content_type as string,
    size: row.size as number,
    file: row.file as string,
    createdAt: row.created_at as string,
  };
}
