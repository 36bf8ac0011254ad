// The durable outbox table: every activity the bot posts to a channel (replies a channel takes by push,
// proactive messages such as the agents') is written here first and deleted once the channel took it.
// Rows carry the channel's name and its opaque JSON address. Rows of a conversation are delivered in `id`
// order; only the oldest pending row of a conversation (its head) decides when it is retried, and a held
// head (reach `next-message`) is never retried: the channel takes held rows in the seller's next turn.
import { type Database, migrate, withBusyRetry } from '../storage/database';
import { webChatServiceUrlsSql } from '../webchat/store';

export type OutboxStatus = 'pending' | 'failed';

export interface OutboxRow {
  id: number;
  conversation_id: string;
  channel_id: string;
  /** The channel (bot/channels) that delivers the row, and its address there (JSON). */
  channel: string;
  address: string;
  /** 1: kept until the seller's next message (reach `next-message`), never retried on a timer. */
  held: number;
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
  channel: string;
  address: string;
  held?: boolean;
  activityId: string;
  activity: string;
  createdAt: number;
}

const MIGRATION = `
CREATE TABLE outbox_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  service_url TEXT NOT NULL,
  audience TEXT,
  activity_id TEXT NOT NULL UNIQUE,
  activity TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX outbox_messages_conversation ON outbox_messages (conversation_id, status, id);
CREATE INDEX outbox_messages_due ON outbox_messages (status, next_attempt_at);
`;

/**
 * Rows from before the channel port: the built-in web chat's (its own serviceUrls) become `webchat` rows
 * addressed by conversation, every other one a `botframework` row addressed by serviceUrl and audience.
 */
const channelColumns = (db: Database) => `
ALTER TABLE outbox_messages ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox_messages ADD COLUMN address TEXT NOT NULL DEFAULT '{}';
ALTER TABLE outbox_messages ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
UPDATE outbox_messages SET channel = 'webchat', address = json_object('conversationId', conversation_id)
  WHERE channel_id = 'webchat' AND service_url IN (${webChatServiceUrlsSql(db)});
UPDATE outbox_messages SET channel = 'botframework', address = json_object('serviceUrl', service_url, 'audience', audience)
  WHERE channel = '';
DROP INDEX outbox_messages_conversation;
CREATE INDEX outbox_messages_conversation ON outbox_messages (channel, conversation_id, status, id);
`;

export class OutboxStore {
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
    migrate(db, 'outbox/001-create', MIGRATION);
    migrate(db, 'outbox/002-channel-address', channelColumns(db));
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
  add(rows: NewOutboxRow[]): number[] {
    return withBusyRetry(() => this.insertAll.immediate(rows));
  }

  head(channel: string, conversationId: string): OutboxRow | undefined {
    return this.selectHead.get(channel, conversationId);
  }

  /** Removes and returns the conversation's held rows, oldest first (the channel delivers them in a turn). */
  takeHeld(channel: string, conversationId: string): OutboxRow[] {
    const rows = this.selectHeld.all(channel, conversationId);
    if (rows.length > 0) withBusyRetry(() => this.takeAll.immediate(rows.map((r) => r.id)));
    return rows;
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

  dueConversations(now: number, limit: number): { channel: string; conversationId: string }[] {
    return this.selectDueHeads.all(now, limit).map((r) => ({ channel: r.channel, conversationId: r.conversation_id }));
  }

  pendingActivityIds(conversationId: string): string[] {
    return this.selectPendingIds.all(conversationId);
  }

  /** Undelivered rows per channel address (read once, for the per-address cap of unauthenticated traffic). */
  pendingByAddress(): { channel: string; address: string; n: number }[] {
    return this.db
      .prepare<[], { channel: string; address: string; n: number }>(
        `SELECT channel, address, COUNT(*) AS n FROM outbox_messages WHERE status = 'pending' GROUP BY channel, address`,
      )
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
