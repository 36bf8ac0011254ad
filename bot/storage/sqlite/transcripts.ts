import type { Activity, PagedResult, TranscriptInfo } from 'botbuilder';
import type { TranscriptRepo } from '../ports';
import { type Database, withBusyRetry } from './database';

/** Same page size as botbuilder's MemoryTranscriptStore. */
export const TRANSCRIPT_PAGE_SIZE = 20;

interface NewRow {
  channelId: string;
  conversationId: string;
  timestamp: string;
  role: string | null;
  type: string | null;
  activity: string;
}

interface ActivityRow {
  activity: string;
  timestamp: string;
}

/**
 * Durable botbuilder `TranscriptStore`, one row per logged activity.
 *
 * Activities are ordered by `sequence`, the order in which they were logged (for a conversation
 * that is the order `TurnTranscriptLogger` saw them). MemoryTranscriptStore sorts by
 * timestamp instead; the two agree unless clocks disagree, e.g. a channel-stamped user message
 * and the bot's locally stamped reply, where log order is the truthful one.
 *
 * Continuation tokens of `getTranscriptActivities` are the `sequence` of the last activity
 * returned (as a string), because outgoing activities may have no id. `listTranscripts` tokens
 * are the last conversation id, as in MemoryTranscriptStore. Like MemoryTranscriptStore, a
 * token is returned whenever a page is full, so the last page may be empty.
 */
export class SqliteTranscriptStore implements TranscriptRepo {
  private readonly insert;
  private readonly insertAll: (rows: NewRow[]) => void;
  private readonly selectPage;
  private readonly selectTranscripts;
  private readonly selectRecent;
  private readonly deleteConversation;
  private readonly deleteBefore;

  constructor(db: Database) {
    this.insert = db.prepare<NewRow>(
      `INSERT INTO transcript_activities (channel_id, conversation_id, sequence, timestamp, role, type, activity)
       SELECT @channelId, @conversationId, COALESCE(MAX(sequence), 0) + 1, @timestamp, @role, @type, @activity
       FROM transcript_activities WHERE channel_id = @channelId AND conversation_id = @conversationId`,
    );
    this.insertAll = db.transaction((rows: NewRow[]) => {
      for (const row of rows) this.insert.run(row);
    });
    this.selectPage = db.prepare<[string, string, number, string], ActivityRow & { sequence: number }>(
      `SELECT sequence, timestamp, activity FROM transcript_activities
       WHERE channel_id = ? AND conversation_id = ? AND sequence > ? AND timestamp >= ?
       ORDER BY sequence LIMIT ${TRANSCRIPT_PAGE_SIZE}`,
    );
    // Row-value comparison on (created, id) continues right after the token's conversation;
    // an unknown token yields an empty page, as in MemoryTranscriptStore.
    this.selectTranscripts = db.prepare<{ channelId: string; token: string | null }, { id: string; created: string }>(
      `WITH t AS (
         SELECT conversation_id AS id, MIN(timestamp) AS created FROM transcript_activities
         WHERE channel_id = @channelId GROUP BY conversation_id
       )
       SELECT id, created FROM t
       WHERE @token IS NULL OR (created, id) > (SELECT created, id FROM t WHERE id = @token)
       ORDER BY created, id LIMIT ${TRANSCRIPT_PAGE_SIZE}`,
    );
    this.selectRecent = db.prepare<[string, string, number], ActivityRow>(
      `SELECT timestamp, activity FROM (
         SELECT sequence, timestamp, activity FROM transcript_activities
         WHERE channel_id = ? AND conversation_id = ? ORDER BY sequence DESC LIMIT ?
       ) ORDER BY sequence`,
    );
    this.deleteConversation = db.prepare<[string, string]>(
      'DELETE FROM transcript_activities WHERE channel_id = ? AND conversation_id = ?',
    );
    this.deleteBefore = db.prepare<[string]>('DELETE FROM transcript_activities WHERE timestamp < ?');
  }

  async logActivity(activity: Partial<Activity>): Promise<void> {
    return this.logActivities([activity]);
  }

  /** A turn's activities (3–5 usually), committed together in one transaction. */
  async logActivities(activities: Partial<Activity>[]): Promise<void> {
    const rows = activities.map(toRow);
    if (rows.length === 0) return;
    // Each INSERT … SELECT takes the write lock before reading MAX(sequence), so two connections
    // cannot hand out the same sequence number.
    withBusyRetry(() => this.insertAll(rows));
  }

  async getTranscriptActivities(
    channelId: string,
    conversationId: string,
    continuationToken?: string,
    startDate?: Date,
  ): Promise<PagedResult<Activity>> {
    requireIds(channelId, conversationId);
    let after = 0;
    if (continuationToken) {
      after = Number(continuationToken);
      if (!Number.isSafeInteger(after)) throw new Error(`Invalid continuation token "${continuationToken}"`);
    }
    // '' sorts before every ISO timestamp, i.e. no lower bound.
    const since = startDate ? startDate.toISOString() : '';
    const rows = this.selectPage.all(channelId, conversationId, after, since);
    const next = rows.length === TRANSCRIPT_PAGE_SIZE ? String(rows[rows.length - 1].sequence) : undefined;
    return page(rows.map(toActivity), next);
  }

  async listTranscripts(channelId: string, continuationToken?: string): Promise<PagedResult<TranscriptInfo>> {
    if (!channelId) throw new Error('Missing channelId');
    const rows = this.selectTranscripts.all({ channelId, token: continuationToken || null });
    const items = rows.map((r) => ({ channelId, id: r.id, created: new Date(r.created) }));
    return page(items, items.length === TRANSCRIPT_PAGE_SIZE ? items[items.length - 1].id : undefined);
  }

  async deleteTranscript(channelId: string, conversationId: string): Promise<void> {
    requireIds(channelId, conversationId);
    withBusyRetry(() => this.deleteConversation.run(channelId, conversationId));
  }

  /** The last `limit` activities of a conversation, oldest first (context for a human agent). */
  async getRecentActivities(channelId: string, conversationId: string, limit: number): Promise<Activity[]> {
    requireIds(channelId, conversationId);
    const n = Math.floor(limit);
    if (!(n > 0)) return [];
    return this.selectRecent.all(channelId, conversationId, n).map(toActivity);
  }

  /** Retention: deletes activities stamped before `date`; returns how many were deleted. */
  async deleteOlderThan(date: Date): Promise<number> {
    return withBusyRetry(() => this.deleteBefore.run(date.toISOString()).changes);
  }
}

export function toRow(activity: Partial<Activity>): NewRow {
  if (!activity) throw new Error('activity cannot be null for logActivity()');
  const channelId = activity.channelId;
  const conversationId = activity.conversation?.id;
  if (!channelId || !conversationId) throw new Error('activity needs channelId and conversation.id for logActivity()');
  // Outgoing activities may arrive without a timestamp (or with an unparsable one): log them as "now".
  const given = activity.timestamp ? new Date(activity.timestamp) : undefined;
  const timestamp = given && !Number.isNaN(given.getTime()) ? given : new Date();
  return {
    channelId,
    conversationId,
    timestamp: timestamp.toISOString(),
    role: activity.from?.role ?? null,
    type: activity.type ?? null,
    // A copy, so the caller's object is not modified.
    activity: JSON.stringify({ ...activity, timestamp }),
  };
}

export function requireIds(channelId: string, conversationId: string): void {
  if (!channelId) throw new Error('Missing channelId');
  if (!conversationId) throw new Error('Missing conversationId');
}

/** Parsed activity with Date timestamps, as incoming activities and MemoryTranscriptStore have them. */
export function toActivity(row: ActivityRow): Activity {
  const activity = JSON.parse(row.activity) as Activity;
  activity.timestamp = new Date(row.timestamp);
  if (typeof activity.localTimestamp === 'string') activity.localTimestamp = new Date(activity.localTimestamp);
  return activity;
}

/** MemoryTranscriptStore leaves the token undefined on the last page although the interface says string. */
export function page<T>(items: T[], continuationToken: string | undefined): PagedResult<T> {
  return { items, continuationToken: continuationToken as string };
}
