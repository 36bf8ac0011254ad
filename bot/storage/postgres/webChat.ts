// The built-in Direct Line's durable state in PostgreSQL (as sqlite/webChat.ts): conversations, their
// activity lists (the watermark is the position) and uploads. The watermark comes from the
// conversation's row, updated in the append's own statement, so appends from any instance line up.
import { type ConversationRow, type StoredActivity, type UploadRow, type WebChatRepo, activityId } from '../ports';
import { toConversation, toUpload } from '../sqlite/webChat';
import { type PgDb, iso, jsonb } from './db';

const CONVERSATION = `id, user_id, locale, ${iso('created_at')}, ${iso('started_at')}, ${iso('ended_at')}, last_seq`;
const UPLOAD = `id, conversation_id, name, content_type, size, file, ${iso('created_at')}`;

export class PostgresWebChat implements WebChatRepo {
  constructor(private readonly db: PgDb) {}

  async createConversation(id: string, userId: string, locale: string | undefined, now: Date): Promise<void> {
    await this.db.query('INSERT INTO webchat_conversations (id, user_id, locale, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)', [
      id,
      userId,
      locale ?? null,
      now.toISOString(),
    ]);
  }

  async getConversation(id: string): Promise<ConversationRow | undefined> {
    const row = await this.db.row(`SELECT ${CONVERSATION} FROM webchat_conversations WHERE id = $1`, [id]);
    return row && toConversation(row);
  }

  async markStarted(id: string, locale: string | undefined, now: Date): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE webchat_conversations SET started_at = $1, locale = coalesce($2, locale) WHERE id = $3 AND started_at IS NULL',
      [now.toISOString(), locale ?? null, id],
    );
    return rowCount === 1;
  }

  async append(conversationId: string, activity: Record<string, unknown>, now: Date): Promise<StoredActivity | undefined> {
    const at = now.toISOString();
    return this.db.transaction(async (tx) => {
      const row = await tx.row<{ last_seq: number }>(
        'UPDATE webchat_conversations SET last_seq = last_seq + 1, updated_at = $1 WHERE id = $2 AND ended_at IS NULL RETURNING last_seq',
        [at, conversationId],
      );
      if (!row) return undefined;
      const stored: Record<string, unknown> = { ...activity, id: activityId(conversationId, row.last_seq), timestamp: at };
      await tx.query('INSERT INTO webchat_activities (conversation_id, seq, type, activity, created_at) VALUES ($1, $2, $3, $4, $5)', [
        conversationId,
        row.last_seq,
        String(activity.type ?? ''),
        jsonb(stored),
        at,
      ]);
      return { seq: row.last_seq, activity: stored };
    });
  }

  async activitiesAfter(conversationId: string, watermark: number, limit = 100): Promise<StoredActivity[]> {
    const rows = await this.db.rows<{ seq: number; activity: Record<string, unknown> }>(
      'SELECT seq, activity FROM webchat_activities WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [conversationId, watermark, limit],
    );
    return rows.map((r) => ({ seq: r.seq, activity: r.activity }));
  }

  async getActivity(conversationId: string, seq: number): Promise<Record<string, unknown> | undefined> {
    return (await this.db.row<{ activity: Record<string, unknown> }>('SELECT activity FROM webchat_activities WHERE conversation_id = $1 AND seq = $2', [conversationId, seq]))
      ?.activity;
  }

  async hasActivity(conversationId: string, id: string): Promise<boolean> {
    const prefix = `${conversationId}|`;
    if (!id.startsWith(prefix)) return false;
    const seq = Number(id.slice(prefix.length));
    if (!Number.isInteger(seq) || seq <= 0 || seq > 2 ** 31 - 1) return false;
    return (await this.db.row('SELECT 1 FROM webchat_activities WHERE conversation_id = $1 AND seq = $2', [conversationId, seq])) !== undefined;
  }

  async addUpload(upload: UploadRow): Promise<void> {
    await this.db.query(
      'INSERT INTO webchat_uploads (id, conversation_id, name, content_type, size, file, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [upload.id, upload.conversationId, upload.name, upload.contentType, upload.size, upload.file, upload.createdAt],
    );
  }

  async getUpload(id: string): Promise<UploadRow | undefined> {
    const row = await this.db.row(`SELECT ${UPLOAD} FROM webchat_uploads WHERE id = $1`, [id]);
    return row && toUpload(row);
  }

  /** One statement: the uploads are read from the snapshot before the conversations (and, cascading, they) go. */
  async purgeIdleSince(cutoff: Date): Promise<{ conversations: number; files: string[] }> {
    const row = await this.db.row<{ conversations: number; files: string[] }>(
      `WITH gone AS (DELETE FROM webchat_conversations WHERE updated_at < $1 RETURNING id)
       SELECT (SELECT count(*) FROM gone)::int AS conversations,
              coalesce((SELECT array_agg(u.file) FROM webchat_uploads u WHERE u.conversation_id IN (SELECT id FROM gone)), '{}') AS files`,
      [cutoff.toISOString()],
    );
    return { conversations: row?.conversations ?? 0, files: row?.files ?? [] };
  }
}
