// Durable state of the built-in Direct Line: conversations, each conversation's activity list (the
// watermark is the position in that list) and uploaded files. All in the bot's SQLite file, so a
// restart keeps every open conversation where it was.
import { type Database, migrate, withBusyRetry } from '../storage/database';

export interface ConversationRow {
  id: string;
  userId: string;
  locale: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  lastSeq: number;
}

export interface UploadRow {
  id: string;
  conversationId: string;
  name: string;
  contentType: string;
  size: number;
  file: string;
  createdAt: string;
}

export interface StoredActivity {
  seq: number;
  activity: Record<string, unknown>;
}

/** Direct Line activity ids look like `<conversationId>|0000012`; the number is the watermark. */
export function activityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}

/**
 * For migrations of other tables: a query of every serviceUrl the web chat gave the bot before the
 * channel port (its rows there are the web chat's). service_url is no longer written.
 */
export function webChatServiceUrlsSql(db: Database): string {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'webchat_conversations'`).get();
  return exists ? 'SELECT service_url FROM webchat_conversations WHERE service_url IS NOT NULL' : 'SELECT NULL WHERE 0';
}

export class WebChatStore {
  private readonly statements;
  /** append's transaction, built once (not for every message, reply and typing indicator). */
  private readonly appendTransaction;

  constructor(private readonly db: Database) {
    migrate(
      db,
      'webchat/001-create',
      `CREATE TABLE webchat_conversations (
         id TEXT PRIMARY KEY,
         user_id TEXT NOT NULL,
         locale TEXT,
         service_url TEXT,
         created_at TEXT NOT NULL,
         started_at TEXT,
         ended_at TEXT,
         last_seq INTEGER NOT NULL DEFAULT 0,
         updated_at TEXT NOT NULL
       );
       CREATE INDEX webchat_conversations_updated ON webchat_conversations (updated_at);
       CREATE TABLE webchat_activities (
         conversation_id TEXT NOT NULL REFERENCES webchat_conversations (id) ON DELETE CASCADE,
         seq INTEGER NOT NULL,
         type TEXT NOT NULL,
         activity TEXT NOT NULL,
         created_at TEXT NOT NULL,
         PRIMARY KEY (conversation_id, seq)
       ) WITHOUT ROWID;
       CREATE TABLE webchat_uploads (
         id TEXT PRIMARY KEY,
         conversation_id TEXT NOT NULL REFERENCES webchat_conversations (id) ON DELETE CASCADE,
         name TEXT NOT NULL,
         content_type TEXT NOT NULL,
         size INTEGER NOT NULL,
         file TEXT NOT NULL,
         created_at TEXT NOT NULL
       );
       CREATE INDEX webchat_uploads_conversation ON webchat_uploads (conversation_id);`,
    );
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

  createConversation(id: string, userId: string, locale: string | undefined, now: Date): void {
    const at = now.toISOString();
    withBusyRetry(() => this.statements.insertConversation.run(id, userId, locale ?? null, at, at));
  }

  getConversation(id: string): ConversationRow | undefined {
    const row = this.statements.getConversation.get(id);
    if (!row) return undefined;
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

  /** True the first time only: the caller then tells the bot that the seller joined. */
  markStarted(id: string, locale: string | undefined, now: Date): boolean {
    return withBusyRetry(() => this.statements.markStarted.run(now.toISOString(), locale ?? null, id).changes === 1);
  }

  /**
   * Appends an activity, giving it the next watermark position, its Direct Line id and a server
   * timestamp. Returns undefined when the conversation is unknown or ended.
   */
  append(conversationId: string, activity: Record<string, unknown>, now: Date): StoredActivity | undefined {
    const at = now.toISOString();
    return withBusyRetry(() => this.appendTransaction.immediate(conversationId, activity, at));
  }

  activitiesAfter(conversationId: string, watermark: number, limit = 100): StoredActivity[] {
    return this.statements.activitiesAfter
      .all(conversationId, watermark, limit)
      .map((r) => ({ seq: r.seq, activity: JSON.parse(r.activity) as Record<string, unknown> }));
  }

  getActivity(conversationId: string, seq: number): Record<string, unknown> | undefined {
    const row = this.statements.getActivity.get(conversationId, seq);
    return row ? (JSON.parse(row.activity) as Record<string, unknown>) : undefined;
  }

  /** Whether `id` names an activity in this conversation's list. */
  hasActivity(conversationId: string, id: string): boolean {
    const prefix = `${conversationId}|`;
    if (!id.startsWith(prefix)) return false;
    const seq = Number(id.slice(prefix.length));
    return Number.isInteger(seq) && seq > 0 && this.statements.hasActivity.get(conversationId, seq) !== undefined;
  }

  addUpload(upload: UploadRow): void {
    withBusyRetry(() =>
      this.statements.insertUpload.run(upload.id, upload.conversationId, upload.name, upload.contentType, upload.size, upload.file, upload.createdAt),
    );
  }

  getUpload(id: string): UploadRow | undefined {
    const row = this.statements.getUpload.get(id);
    if (!row) return undefined;
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

  /** Deletes conversations idle since before `cutoff`; returns the upload files to remove. */
  purgeIdleSince(cutoff: Date): { conversations: number; files: string[] } {
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
