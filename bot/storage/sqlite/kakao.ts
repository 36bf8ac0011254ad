// The KakaoTalk channel's mailbox in SQLite (KakaoRepo in ../ports.ts; tables in migrations/003-kakao.sql).
import type { Activity } from 'botbuilder';
import type { Language } from '../../../knowledge/schema';
import type { KakaoPending, KakaoRepo, KakaoUser } from '../ports';
import { type Database, withBusyRetry } from './database';

interface UserRow {
  user_key: string;
  development: number;
  language: string;
  rung_at: number | null;
  task_id: string | null;
}

export class SqliteKakao implements KakaoRepo {
  private readonly statements;
  private readonly appendRows: { immediate(userKey: string, activities: Partial<Activity>[], max: number, at: number): boolean };
  private readonly replaceRows: { immediate(userKey: string, taken: number[], rest: Partial<Activity>[], at: number): void };

  constructor(db: Database) {
    const statements = (this.statements = {
      count: db.prepare<[string], number>('SELECT COUNT(*) FROM kakao_pending WHERE user_key = ?').pluck(),
      insert: db.prepare<[string, number, string | null, string, number]>(
        'INSERT OR IGNORE INTO kakao_pending (user_key, position, activity_id, activity, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      maxPosition: db.prepare<[string], number>('SELECT COALESCE(MAX(position), 0) FROM kakao_pending WHERE user_key = ?').pluck(),
      minPosition: db.prepare<[string], number>('SELECT COALESCE(MIN(position), 1) FROM kakao_pending WHERE user_key = ?').pluck(),
      remove: db.prepare<[number, string]>('DELETE FROM kakao_pending WHERE id = ? AND user_key = ?'),
      pending: db.prepare<[string], { id: number; activity: string }>('SELECT id, activity FROM kakao_pending WHERE user_key = ? ORDER BY position, id'),
      user: db.prepare<[string], UserRow>('SELECT user_key, development, language, rung_at, task_id FROM kakao_users WHERE user_key = ?'),
      seen: db.prepare<[string, number, string | null, number]>(
        `INSERT INTO kakao_users (user_key, development, plusfriend_user_key, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_key) DO UPDATE SET development = excluded.development,
           plusfriend_user_key = COALESCE(excluded.plusfriend_user_key, plusfriend_user_key), updated_at = excluded.updated_at`,
      ),
      setLanguage: db.prepare<[string, string, string]>('UPDATE kakao_users SET language = ? WHERE user_key = ? AND language <> ?'),
      claimRing: db.prepare<[number, string]>('UPDATE kakao_users SET rung_at = ?, task_id = NULL WHERE user_key = ? AND rung_at IS NULL'),
      ringAccepted: db.prepare<[string | null, string]>('UPDATE kakao_users SET task_id = ? WHERE user_key = ?'),
      clearRing: db.prepare<[string]>('UPDATE kakao_users SET rung_at = NULL WHERE user_key = ? AND rung_at IS NOT NULL'),
      purge: db.prepare<[number]>('DELETE FROM kakao_pending WHERE created_at < ?'),
    });
    this.appendRows = db.transaction((userKey: string, activities: Partial<Activity>[], max: number, at: number) => {
      if (statements.count.get(userKey)! + activities.length > max) return false;
      let position = statements.maxPosition.get(userKey)!;
      for (const activity of activities) statements.insert.run(userKey, ++position, activity.id ?? null, JSON.stringify(activity), at);
      return true;
    });
    // What a call took goes; what it could not carry goes back in front of anything added meanwhile.
    this.replaceRows = db.transaction((userKey: string, taken: number[], rest: Partial<Activity>[], at: number) => {
      for (const id of taken) statements.remove.run(id, userKey);
      let position = statements.minPosition.get(userKey)! - rest.length;
      for (const activity of rest) statements.insert.run(userKey, position++, activity.id ?? null, JSON.stringify(activity), at);
    });
  }

  async append(userKey: string, activities: Partial<Activity>[], max: number, at = Date.now()): Promise<boolean> {
    if (activities.length === 0) return true;
    return withBusyRetry(() => this.appendRows.immediate(userKey, activities, max, at));
  }

  async pending(userKey: string): Promise<KakaoPending[]> {
    return this.statements.pending.all(userKey).map((row) => ({ id: row.id, activity: JSON.parse(row.activity) as Partial<Activity> }));
  }

  async settle(userKey: string, taken: number[], rest: Partial<Activity>[], at = Date.now()): Promise<void> {
    if (taken.length === 0 && rest.length === 0) return;
    withBusyRetry(() => this.replaceRows.immediate(userKey, taken, rest, at));
  }

  async user(userKey: string): Promise<KakaoUser | undefined> {
    const row = this.statements.user.get(userKey);
    if (!row) return undefined;
    return {
      userKey: row.user_key,
      development: row.development === 1,
      language: row.language === 'en' ? 'en' : 'ko',
      rungAt: row.rung_at ?? undefined,
      taskId: row.task_id ?? undefined,
    };
  }

  async seen(userKey: string, details: { development: boolean; plusfriendUserKey?: string }, at = Date.now()): Promise<void> {
    withBusyRetry(() => this.statements.seen.run(userKey, details.development ? 1 : 0, details.plusfriendUserKey?.slice(0, 200) ?? null, at));
  }

  async setLanguage(userKey: string, language: Language): Promise<void> {
    withBusyRetry(() => this.statements.setLanguage.run(language, userKey, language));
  }

  async claimRing(userKey: string, at = Date.now()): Promise<boolean> {
    return withBusyRetry(() => this.statements.claimRing.run(at, userKey).changes) > 0;
  }

  async ringAccepted(userKey: string, taskId: string | undefined): Promise<void> {
    withBusyRetry(() => this.statements.ringAccepted.run(taskId?.slice(0, 200) ?? null, userKey));
  }

  async clearRing(userKey: string): Promise<void> {
    withBusyRetry(() => this.statements.clearRing.run(userKey));
  }

  async purgeBefore(cutoff: Date): Promise<number> {
    return withBusyRetry(() => this.statements.purge.run(cutoff.getTime()).changes);
  }
}
