// The durable outbox table in SQLite: every activity the bot posts to a channel (replies a channel takes by push,
// proactive messages such as the agents') is written here first and deleted once the channel took it.
// Rows carry the channel's name and its opaque JSON address. Rows of a conversation are delivered in `id`
// order; only the oldest pending row of a conversation (its head) decides when it is retried, and a held
// head (reach `next-message`) is never retried: the channel takes held rows in the seller's next turn.
import type { NewOutboxRow, OutboxRepo, OutboxRow } from '../ports';
import { type Database, withBusyRetry } from './database';

export class SqliteOutbox implements OutboxRepo {
  private readonly insertRow;
  private readonly selectHead;
  private readonly selectHeld;
  private readonly takeAll: { immediate(ids: number[]): void };
  private readonly deleteRow;
  private readonly retryLater;
  private readonly giveUp;
  private readonly selectDueHeads;
  private readonly selectPendingIds;
  private readonly countPendingByConversation;
  private readonly insertAll: { immediate(rows: NewOutboxRow[]): number[] };
  private readonly deleteFailedBefore;

  constructor(private readonly db: Database) {
    // service_url (NOT NULL) and audience are the columns of before the channel port, no longer written.
    this.insertRow = db.prepare<Omit<NewOutboxRow, 'held'> & { held: number }>(
      `INSERT INTO outbox_messages (conversation_id, channel_id, channel, address, held, service_url, activity_id, activity, next_attempt_at, created_at)
       VALUES (@conversationId, @channelId, @channel, @address, @held, '', @activityId, @activity, @createdAt, @createdAt)`,
    );
    this.selectHead = db.prepare<[string, string], OutboxRow>(
      `SELECT * FROM outbox_messages WHERE channel = ? AND conversation_id = ? AND status = 'pending' ORDER BY id LIMIT 1`,
    );
    this.selectHeld = db.prepare<[string, string], OutboxRow>(
      `SELECT * FROM outbox_messages WHERE channel = ? AND conversation_id = ? AND status = 'pending' AND held = 1 ORDER BY id`,
    );
    this.deleteRow = db.prepare<[number]>('DELETE FROM outbox_messages WHERE id = ?');
    this.retryLater = db.prepare<[number, string, number]>(
      `UPDATE outbox_messages SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?`,
    );
    this.giveUp = db.prepare<[string, number]>(`UPDATE outbox_messages SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`);
    // Conversations whose oldest pending row is due (a held one never is).
    this.selectDueHeads = db.prepare<[number, number], { channel: string; conversation_id: string }>(
      `SELECT o.channel, o.conversation_id FROM outbox_messages o
       WHERE o.status = 'pending' AND o.held = 0 AND o.next_attempt_at <= ?
         AND o.id = (SELECT MIN(h.id) FROM outbox_messages h
                     WHERE h.channel = o.channel AND h.conversation_id = o.conversation_id AND h.status = 'pending')
       ORDER BY o.next_attempt_at LIMIT ?`,
    );
    this.selectPendingIds = db
      .prepare<[string], string>(`SELECT activity_id FROM outbox_messages WHERE conversation_id = ? AND status = 'pending' ORDER BY id`)
      .pluck();
    this.countPendingByConversation = db.prepare<[], { conversation_id: string; n: number }>(
      `SELECT conversation_id, COUNT(*) AS n FROM outbox_messages WHERE status = 'pending' GROUP BY conversation_id`,
    );
    this.insertAll = db.transaction((rows: NewOutboxRow[]) =>
      rows.map((r) => Number(this.insertRow.run({ ...r, held: r.held ? 1 : 0 }).lastInsertRowid)),
    );
    this.takeAll = db.transaction((ids: number[]) => {
      for (const id of ids) this.deleteRow.run(id);
    });
    this.deleteFailedBefore = db.prepare<[number]>(`DELETE FROM outbox_messages WHERE status = 'failed' AND created_at < ?`);
  }

  /** Adds the rows in one transaction (in order); returns their ids. */
  async add(rows: NewOutboxRow[]): Promise<number[]> {
    return withBusyRetry(() => this.insertAll.immediate(rows));
  }

  async head(channel: string, conversationId: string): Promise<OutboxRow | undefined> {
    return this.selectHead.get(channel, conversationId);
  }

  /** Removes and returns the conversation's held rows, oldest first (the channel delivers them in a turn). */
  async takeHeld(channel: string, conversationId: string): Promise<OutboxRow[]> {
    const rows = this.selectHeld.all(channel, conversationId);
    if (rows.length > 0) withBusyRetry(() => this.takeAll.immediate(rows.map((r) => r.id)));
    return rows;
  }

  async delivered(id: number): Promise<void> {
    withBusyRetry(() => this.deleteRow.run(id));
  }

  async retry(id: number, nextAttemptAt: number, error: string): Promise<void> {
    withBusyRetry(() => this.retryLater.run(nextAttemptAt, error.slice(0, 500), id));
  }

  async fail(id: number, error: string): Promise<void> {
    withBusyRetry(() => this.giveUp.run(error.slice(0, 500), id));
  }

  async dueConversations(now: number, limit: number): Promise<{ channel: string; conversationId: string }[]> {
    return this.selectDueHeads.all(now, limit).map((r) => ({ channel: r.channel, conversationId: r.conversation_id }));
  }

  async pendingActivityIds(conversationId: string): Promise<string[]> {
    return this.selectPendingIds.all(conversationId);
  }

  /** Undelivered rows per channel address (read once, for the per-address cap of unauthenticated traffic). */
  async pendingByAddress(): Promise<{ channel: string; address: string; n: number }[]> {
    return this.db
      .prepare<[], { channel: string; address: string; n: number }>(
        `SELECT channel, address, COUNT(*) AS n FROM outbox_messages WHERE status = 'pending' GROUP BY channel, address`,
      )
      .all();
  }

  async pendingCounts(): Promise<Map<string, number>> {
    return new Map(this.countPendingByConversation.all().map((r) => [r.conversation_id, r.n]));
  }

  /** Retention: rows given up on (kept for the record) created before `cutoff`. */
  async purgeFailedBefore(cutoff: Date): Promise<number> {
    return withBusyRetry(() => this.deleteFailedBefore.run(cutoff.getTime()).changes);
  }
}
