// The durable outbox in PostgreSQL, with sqlite/outbox.ts's rules: rows of a conversation go out in id
// order, only its oldest pending row (the head) decides when it is retried, a held head never is.
import type { NewOutboxRow, OutboxRepo, OutboxRow } from '../ports';
import { type PgDb, epochMs, jsonbText } from './db';

const ROW = `id, conversation_id, channel_id, channel, address, held::int AS held, activity_id, activity::text AS activity, status,
  attempts, ${epochMs('next_attempt_at')}, last_error, ${epochMs('created_at')}`;

export class PostgresOutbox implements OutboxRepo {
  constructor(private readonly db: PgDb) {}

  async add(rows: NewOutboxRow[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const inserted = await this.db.rows<{ id: number }>(
      `INSERT INTO outbox_messages (conversation_id, channel_id, channel, address, held, activity_id, activity, next_attempt_at, created_at)
       SELECT conversation_id, channel_id, channel, address, held, activity_id, activity, to_timestamp(created / 1000.0), to_timestamp(created / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::jsonb[], $8::float8[]) WITH ORDINALITY
         AS t(conversation_id, channel_id, channel, address, held, activity_id, activity, created, n)
       ORDER BY n
       RETURNING id`,
      [
        rows.map((r) => r.conversationId),
        rows.map((r) => r.channelId),
        rows.map((r) => r.channel),
        rows.map((r) => r.address),
        rows.map((r) => Boolean(r.held)),
        rows.map((r) => r.activityId),
        rows.map((r) => jsonbText(r.activity)),
        rows.map((r) => r.createdAt),
      ],
    );
    return inserted.map((r) => r.id).sort((a, b) => a - b);
  }

  async head(channel: string, conversationId: string): Promise<OutboxRow | undefined> {
    return this.db.row<OutboxRow>(
      `SELECT ${ROW} FROM outbox_messages WHERE channel = $1 AND conversation_id = $2 AND status = 'pending' ORDER BY id LIMIT 1`,
      [channel, conversationId],
    );
  }

  async takeHeld(channel: string, conversationId: string): Promise<OutboxRow[]> {
    const rows = await this.db.rows<OutboxRow>(
      `DELETE FROM outbox_messages WHERE channel = $1 AND conversation_id = $2 AND status = 'pending' AND held RETURNING ${ROW}`,
      [channel, conversationId],
    );
    return rows.sort((a, b) => a.id - b.id);
  }

  async delivered(id: number): Promise<void> {
    await this.db.query('DELETE FROM outbox_messages WHERE id = $1', [id]);
  }

  async retry(id: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.db.query('UPDATE outbox_messages SET attempts = attempts + 1, next_attempt_at = to_timestamp($1 / 1000.0), last_error = $2 WHERE id = $3', [
      nextAttemptAt,
      error.slice(0, 500),
      id,
    ]);
  }

  async fail(id: number, error: string): Promise<void> {
    await this.db.query(`UPDATE outbox_messages SET status = 'failed', attempts = attempts + 1, last_error = $1 WHERE id = $2`, [error.slice(0, 500), id]);
  }

  async dueConversations(now: number, limit: number): Promise<{ channel: string; conversationId: string }[]> {
    const rows = await this.db.rows<{ channel: string; conversation_id: string }>(
      `SELECT o.channel, o.conversation_id FROM outbox_messages o
       WHERE o.status = 'pending' AND NOT o.held AND o.next_attempt_at <= to_timestamp($1 / 1000.0)
         AND o.id = (SELECT min(h.id) FROM outbox_messages h
                     WHERE h.channel = o.channel AND h.conversation_id = o.conversation_id AND h.status = 'pending')
       ORDER BY o.next_attempt_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => ({ channel: r.channel, conversationId: r.conversation_id }));
  }

  async pendingActivityIds(conversationId: string): Promise<string[]> {
    const rows = await this.db.rows<{ activity_id: string }>(
      `SELECT activity_id FROM outbox_messages WHERE conversation_id = $1 AND status = 'pending' ORDER BY id`,
      [conversationId],
    );
    return rows.map((r) => r.activity_id);
  }

  async pendingByAddress(): Promise<{ channel: string; address: string; n: number }[]> {
    return this.db.rows(`SELECT channel, address, count(*)::int AS n FROM outbox_messages WHERE status = 'pending' GROUP BY channel, address`);
  }

  async pendingCounts(): Promise<Map<string, number>> {
    const rows = await this.db.rows<{ conversation_id: string; n: number }>(
      `SELECT conversation_id, count(*)::int AS n FROM outbox_messages WHERE status = 'pending' GROUP BY conversation_id`,
    );
    return new Map(rows.map((r) => [r.conversation_id, r.n]));
  }

  async purgeFailedBefore(cutoff: Date): Promise<number> {
    return (await this.db.query(`DELETE FROM outbox_messages WHERE status = 'failed' AND created_at < $1`, [cutoff.toISOString()])).rowCount ?? 0;
  }
}
