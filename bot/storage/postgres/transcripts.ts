// Transcripts in PostgreSQL, with the SQLite store's paging and order (sqlite/transcripts.ts): one
// database sequence gives log order, so concurrent writers never compete for a per-conversation number.
import type { Activity, PagedResult, TranscriptInfo } from 'botbuilder';
import type { TranscriptRepo } from '../ports';
import { TRANSCRIPT_PAGE_SIZE, page, requireIds, toActivity, toRow } from '../sqlite/transcripts';
import { type PgDb, iso, jsonbText } from './db';

interface ActivityRow {
  sequence: string;
  timestamp: string;
  activity: string;
}

const ACTIVITY = `sequence, ${iso('timestamp')}, activity::text AS activity`;

export class PostgresTranscriptStore implements TranscriptRepo {
  constructor(private readonly db: PgDb) {}

  async logActivity(activity: Partial<Activity>): Promise<void> {
    return this.logActivities([activity]);
  }

  /** A turn's activities in one statement, in the order given. */
  async logActivities(activities: Partial<Activity>[]): Promise<void> {
    const rows = activities.map(toRow);
    if (rows.length === 0) return;
    await this.db.query(
      `INSERT INTO transcript_activities (channel_id, conversation_id, timestamp, role, type, activity)
       SELECT channel_id, conversation_id, timestamp, role, type, activity
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::jsonb[]) WITH ORDINALITY
         AS t(channel_id, conversation_id, timestamp, role, type, activity, n)
       ORDER BY n`,
      [
        rows.map((r) => r.channelId),
        rows.map((r) => r.conversationId),
        rows.map((r) => r.timestamp),
        rows.map((r) => r.role),
        rows.map((r) => r.type),
        rows.map((r) => jsonbText(r.activity)),
      ],
    );
  }

  async getTranscriptActivities(channelId: string, conversationId: string, continuationToken?: string, startDate?: Date): Promise<PagedResult<Activity>> {
    requireIds(channelId, conversationId);
    let after = 0;
    if (continuationToken) {
      after = Number(continuationToken);
      if (!Number.isSafeInteger(after)) throw new Error(`Invalid continuation token "${continuationToken}"`);
    }
    const rows = await this.db.rows<ActivityRow>(
      `SELECT ${ACTIVITY} FROM transcript_activities
       WHERE channel_id = $1 AND conversation_id = $2 AND sequence > $3 AND ($4::timestamptz IS NULL OR timestamp >= $4)
       ORDER BY sequence LIMIT ${TRANSCRIPT_PAGE_SIZE}`,
      [channelId, conversationId, after, startDate?.toISOString() ?? null],
    );
    const next = rows.length === TRANSCRIPT_PAGE_SIZE ? rows[rows.length - 1].sequence : undefined;
    return page(rows.map(toActivity), next);
  }

  async listTranscripts(channelId: string, continuationToken?: string): Promise<PagedResult<TranscriptInfo>> {
    if (!channelId) throw new Error('Missing channelId');
    const rows = await this.db.rows<{ id: string; created: Date }>(
      `WITH t AS (
         SELECT conversation_id AS id, min(timestamp) AS created FROM transcript_activities
         WHERE channel_id = $1 GROUP BY conversation_id
       )
       SELECT id, created FROM t
       WHERE $2::text IS NULL OR (created, id) > (SELECT created, id FROM t WHERE id = $2)
       ORDER BY created, id LIMIT ${TRANSCRIPT_PAGE_SIZE}`,
      [channelId, continuationToken || null],
    );
    const items = rows.map((r) => ({ channelId, id: r.id, created: new Date(r.created) }));
    return page(items, items.length === TRANSCRIPT_PAGE_SIZE ? items[items.length - 1].id : undefined);
  }

  async deleteTranscript(channelId: string, conversationId: string): Promise<void> {
    requireIds(channelId, conversationId);
    await this.db.query('DELETE FROM transcript_activities WHERE channel_id = $1 AND conversation_id = $2', [channelId, conversationId]);
  }

  async getRecentActivities(channelId: string, conversationId: string, limit: number): Promise<Activity[]> {
    requireIds(channelId, conversationId);
    const n = Math.floor(limit);
    if (!(n > 0)) return [];
    const rows = await this.db.rows<ActivityRow>(
      `SELECT * FROM (
         SELECT ${ACTIVITY} FROM transcript_activities WHERE channel_id = $1 AND conversation_id = $2 ORDER BY sequence DESC LIMIT $3
       ) recent ORDER BY sequence`,
      [channelId, conversationId, n],
    );
    return rows.map(toActivity);
  }

  async deleteOlderThan(date: Date): Promise<number> {
    return (await this.db.query('DELETE FROM transcript_activities WHERE timestamp < $1', [date.toISOString()])).rowCount ?? 0;
  }
}
