// What the Kakao channel keeps between skill calls. Kakao can only be answered inside a call, so whatever
// a call could not carry waits here for the seller's next one: the part of an answer behind "더 보기",
// replies that came after the 5-second budget without a callback URL, and agent messages. Also per seller:
// the development-channel flag (the Event API's bot id follows it), the language, and an open ring.
import type { Activity } from 'botbuilder';
import { type Database, migrate, withBusyRetry } from '../../storage/database';

/** Messages kept per seller at most; past it new ones are refused (logged by the caller). */
export const MAX_PENDING_PER_SELLER = 500;

export interface PendingRow {
  id: number;
  activity: Partial<Activity>;
}

export interface KakaoUser {
  userKey: string;
  development: boolean;
  language: 'ko' | 'en';
  /** Set while a ring (Event API) is out and the seller has not fetched yet: one ring per burst. */
  rungAt?: number;
  taskId?: string;
}

const MIGRATION = `
CREATE TABLE kakao_users (
  user_key TEXT PRIMARY KEY,
  development INTEGER NOT NULL DEFAULT 0,
  plusfriend_user_key TEXT,
  language TEXT NOT NULL DEFAULT 'ko',
  rung_at INTEGER,
  task_id TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE kakao_pending (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  -- The outbox's stable id of a pushed message: a retried push is not kept twice.
  activity_id TEXT,
  activity TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX kakao_pending_user ON kakao_pending (user_key, position, id);
CREATE UNIQUE INDEX kakao_pending_activity ON kakao_pending (user_key, activity_id);
`;

interface UserRow {
  user_key: string;
  development: number;
  language: string;
  rung_at: number | null;
  task_id: string | null;
}

export class KakaoStore {
  private readonly appendRows: { immediate(userKey: string, activities: Partial<Activity>[], at: number): number };
  private readonly replaceRows: { immediate(userKey: string, taken: number[], rest: Partial<Activity>[], at: number): void };

  constructor(private readonly db: Database) {
    migrate(db, 'kakao/001-create', MIGRATION);
    const count = db.prepare<[string], number>('SELECT COUNT(*) FROM kakao_pending WHERE user_key = ?').pluck();
    const insert = db.prepare<[string, number, string | null, string, number]>(
      'INSERT OR IGNORE INTO kakao_pending (user_key, position, activity_id, activity, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    const maxPosition = db.prepare<[string], number>('SELECT COALESCE(MAX(position), 0) FROM kakao_pending WHERE user_key = ?').pluck();
    const minPosition = db.prepare<[string], number>('SELECT COALESCE(MIN(position), 1) FROM kakao_pending WHERE user_key = ?').pluck();
    const remove = db.prepare<[number, string]>('DELETE FROM kakao_pending WHERE id = ? AND user_key = ?');
    this.appendRows = db.transaction((userKey: string, activities: Partial<Activity>[], at: number) => {
      if (count.get(userKey)! + activities.length > MAX_PENDING_PER_SELLER) return 0;
      let position = maxPosition.get(userKey)!;
      for (const activity of activities) insert.run(userKey, ++position, activity.id ?? null, JSON.stringify(activity), at);
      return activities.length;
    });
    // What a call took goes; what it could not carry goes back in front of anything added meanwhile.
    this.replaceRows = db.transaction((userKey: string, taken: number[], rest: Partial<Activity>[], at: number) => {
      for (const id of taken) remove.run(id, userKey);
      let position = minPosition.get(userKey)! - rest.length;
      for (const activity of rest) insert.run(userKey, position++, activity.id ?? null, JSON.stringify(activity), at);
    });
  }

  /** Adds at the end (an activity whose id is already there is not added again); false when the seller already has MAX_PENDING_PER_SELLER waiting. */
  append(userKey: string, activities: Partial<Activity>[], at = Date.now()): boolean {
    if (activities.length === 0) return true;
    return withBusyRetry(() => this.appendRows.immediate(userKey, activities, at)) > 0;
  }

  /** Everything waiting, oldest first (left in place until `settle`). */
  pending(userKey: string): PendingRow[] {
    return this.db
      .prepare<[string], { id: number; activity: string }>('SELECT id, activity FROM kakao_pending WHERE user_key = ? ORDER BY position, id')
      .all(userKey)
      .map((row) => ({ id: row.id, activity: JSON.parse(row.activity) as Partial<Activity> }));
  }

  pendingCount(userKey: string): number {
    return this.db.prepare<[string], number>('SELECT COUNT(*) FROM kakao_pending WHERE user_key = ?').pluck().get(userKey)!;
  }

  /** The taken rows were answered; `rest` (what did not fit) waits in front of the others. */
  settle(userKey: string, taken: number[], rest: Partial<Activity>[], at = Date.now()): void {
    withBusyRetry(() => this.replaceRows.immediate(userKey, taken, rest, at));
  }

  user(userKey: string): KakaoUser | undefined {
    const row = this.db.prepare<[string], UserRow>('SELECT user_key, development, language, rung_at, task_id FROM kakao_users WHERE user_key = ?').get(userKey);
    if (!row) return undefined;
    return {
      userKey: row.user_key,
      development: row.development === 1,
      language: row.language === 'en' ? 'en' : 'ko',
      rungAt: row.rung_at ?? undefined,
      taskId: row.task_id ?? undefined,
    };
  }

  /** Every call: the channel the seller came through (and the ring is answered: they are here). */
  seen(userKey: string, details: { development: boolean; plusfriendUserKey?: string }, at = Date.now()): void {
    withBusyRetry(() =>
      this.db
        .prepare(
          `INSERT INTO kakao_users (user_key, development, plusfriend_user_key, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (user_key) DO UPDATE SET development = excluded.development,
             plusfriend_user_key = COALESCE(excluded.plusfriend_user_key, plusfriend_user_key), updated_at = excluded.updated_at`,
        )
        .run(userKey, details.development ? 1 : 0, details.plusfriendUserKey?.slice(0, 200) ?? null, at),
    );
  }

  setLanguage(userKey: string, language: 'ko' | 'en'): void {
    withBusyRetry(() => this.db.prepare('UPDATE kakao_users SET language = ? WHERE user_key = ? AND language <> ?').run(language, userKey, language));
  }

  /** A ring went out (or is going out); false when one already is: one ring per burst. */
  claimRing(userKey: string, at = Date.now()): boolean {
    return withBusyRetry(() => this.db.prepare('UPDATE kakao_users SET rung_at = ?, task_id = NULL WHERE user_key = ? AND rung_at IS NULL').run(at, userKey).changes) > 0;
  }

  ringAccepted(userKey: string, taskId: string | undefined): void {
    withBusyRetry(() => this.db.prepare('UPDATE kakao_users SET task_id = ? WHERE user_key = ?').run(taskId?.slice(0, 200) ?? null, userKey));
  }

  /** The seller fetched (or the ring failed for good): the next agent message rings again. */
  clearRing(userKey: string): void {
    withBusyRetry(() => this.db.prepare('UPDATE kakao_users SET rung_at = NULL WHERE user_key = ? AND rung_at IS NOT NULL').run(userKey));
  }

  /** Retention: what waited longer than the cutoff for a seller who never came back. */
  purgeBefore(cutoff: Date): number {
    return withBusyRetry(() => this.db.prepare('DELETE FROM kakao_pending WHERE created_at < ?').run(cutoff.getTime()).changes);
  }
}
