// The durable outbox table: every activity the bot posts to a channel (replies on the serviceUrl path,
// proactive messages such as the agents') is written here first and deleted once the channel took it.
// Rows of a conversation are delivered in `id` order; only the oldest pending row of a conversation (its
// head) decides when the conversation is retried.
import { type Database, withBusyRetry } from '../storage/sqlite/database';

export type OutboxStatus = 'pending' | 'failed';

export interface OutboxRow {
  id: number;
  conversation_id: string;
  channel_id: string;
  service_url: string;
  audience: string | null;
  /** Stable id sent as the activity's `id` on every attempt, so a channel can drop a repeat. */
  activity_id: string;
  activity: string;
  status: OutboxStatus;
  attempts: number;
  /** Epoch milliseconds. */
  next_attempt_at: number;
  last_error: string | null;
  /** Epoch milliseconds. */
  created_at: number;
}

export interface NewOutboxRow {
  conversationId: string;
  channelId: string;
  serviceUrl: string;
  audience?: string;
  activityId: string;
  activity: string;
  createdAt: number;
}

export class OutboxStore {
  private readonly insertRow;
  private readonly selectHead;
  private readonly deleteRow;
  private readonly retryLater;
  private readonly giveUp;
  private readonly selectDueHeads;
  private readonly selectPendingIds;
  private readonly countPendingByConversation;
  private readonly insertAll: { immediate(rows: NewOutboxRow[]): number[] };
  private readonly deleteFailedBefore;

  constructor(private readonly db: Database) {
    this.insertRow = db.prepare<Omit<NewOutboxRow, 'audience'> & { audience: string | null }>(
      `INSERT INTO outbox_messages (conversation_id, channel_id, service_url, audience, activity_id, activity, next_attempt_at, created_at)
       VALUES (@conversationId, @channelId, @serviceUrl, @audience, @activityId, @activity, @createdAt, @createdAt)`,
    );
    this.selectHead = db.prepare<[string], OutboxRow>(
      `SELECT * FROM outbox_messages WHERE conversation_id = ? AND status = 'pending' ORDER BY id LIMIT 1`,
    );
    this.deleteRow = db.prepare<[number]>('DELETE FROM outbox_messages WHERE id = ?');
    this.retryLater = db.prepare<[number, string, number]>(
      `UPDATE outbox_messages SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?`,
    );
    this.giveUp = db.prepare<[string, number]>(`UPDATE outbox_messages SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`);
    // Conversations whose oldest pending row is due.
    this.selectDueHeads = db.prepare<[number, number], { conversation_id: string }>(
      `SELECT o.conversation_id FROM outbox_messages o
       WHERE o.status = 'pending' AND o.next_attempt_at <= ?
         AND o.id = (SELECT MIN(h.id) FROM outbox_messages h WHERE h.conversation_id = o.conversation_id AND h.status = 'pending')
       ORDER BY o.next_attempt_at LIMIT ?`,
    );
    this.selectPendingIds = db
      .prepare<[string], string>(`SELECT activity_id FROM outbox_messages WHERE conversation_id = ? AND status = 'pending' ORDER BY id`)
      .pluck();
    this.countPendingByConversation = db.prepare<[], { conversation_id: string; n: number }>(
      `SELECT conversation_id, COUNT(*) AS n FROM outbox_messages WHERE status = 'pending' GROUP BY conversation_id`,
    );
    this.insertAll = db.transaction((rows: NewOutboxRow[]) =>
      rows.map((r) => Number(this.insertRow.run({ ...r, audience: r.audience ?? null }).lastInsertRowid)),
    );
    this.deleteFailedBefore = db.prepare<[number]>(`DELETE FROM outbox_messages WHERE status = 'failed' AND created_at < ?`);
  }

  /** Adds the rows in one transaction (in order); returns their ids. */
  add(rows: NewOutboxRow[]): number[] {
    return withBusyRetry(() => this.insertAll.immediate(rows));
  }

  head(conversationId: string): OutboxRow | undefined {
    return this.selectHead.get(conversationId);
  }

  delivered(id: number): void {
    withBusyRetry(() => this.deleteRow.run(id));
  }

  retry(id: number, nextAttemptAt: number, error: string): void {
    withBusyRetry(() => this.retryLater.run(nextAttemptAt, error.slice(0, 500), id));
  }

  fail(id: number, error: string): void {
    withBusyRetry(() => this.giveUp.run(error.slice(0, 500), id));
  }

  dueConversations(now: number, limit: number): string[] {
    return this.selectDueHeads.all(now, limit).map((r) => r.conversation_id);
  }

  pendingActivityIds(conversationId: string): string[] {
    return this.selectPendingIds.all(conversationId);
  }

  /** Undelivered rows per serviceUrl (read once, for the per-origin cap of unauthenticated traffic). */
  pendingByServiceUrl(): { service_url: string; n: number }[] {
    return this.db
      .prepare<[], { service_url: string; n: number }>(`SELECT service_url, COUNT(*) AS n FROM outbox_messages WHERE status = 'pending' GROUP BY service_url`)
      .all();
  }

  pendingCounts(): Map<string, number> {
    return new Map(this.countPendingByConversation.all().map((r) => [r.conversation_id, r.n]));
  }

  /** Retention: rows given up on (kept for the record) created before `cutoff`. */
  purgeFailedBefore(cutoff: Date): number {
    return withBusyRetry(() => this.deleteFailedBefore.run(cutoff.getTime()).changes);
  }
}
