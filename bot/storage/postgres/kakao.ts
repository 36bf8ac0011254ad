// The KakaoTalk channel's mailbox in PostgreSQL (KakaoRepo; as sqlite/kakao.ts). The seller's row is locked
// for an append or a settle, so two instances answering one seller cannot interleave positions.
import type { Activity } from 'botbuilder';
import type { Language } from '../../../knowledge/schema';
import type { KakaoPending, KakaoRepo, KakaoUser } from '../ports';
import { type Executor, type PgDb, epochMs, jsonb } from './db';

const INSERT = `INSERT INTO kakao_pending (user_key, position, activity_id, activity, created_at)
  SELECT $1, $2 + n - 1, activity_id, activity, to_timestamp($5 / 1000.0)
  FROM unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS t(activity_id, activity, n)
  ON CONFLICT (user_key, activity_id) DO NOTHING`;

function insert(tx: Executor, userKey: string, from: number, activities: Partial<Activity>[], at: number): Promise<unknown> {
  return tx.query(INSERT, [userKey, from, activities.map((a) => a.id ?? null), activities.map((a) => jsonb(a)), at]);
}

/** Serialises one seller's mailbox changes (a transaction-scoped advisory lock on the key). */
function lockUser(tx: Executor, userKey: string): Promise<unknown> {
  return tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('kakao\n' || $1, 0))`, [userKey]);
}

export class PostgresKakao implements KakaoRepo {
  constructor(private readonly db: PgDb) {}

  async append(userKey: string, activities: Partial<Activity>[], max: number, at = Date.now()): Promise<boolean> {
    if (activities.length === 0) return true;
    return this.db.transaction(async (tx) => {
      await lockUser(tx, userKey);
      const row = (await tx.row<{ n: number; last: number }>(
        'SELECT count(*)::int AS n, coalesce(max(position), 0)::int AS last FROM kakao_pending WHERE user_key = $1',
        [userKey],
      ))!;
      if (row.n + activities.length > max) return false;
      await insert(tx, userKey, row.last + 1, activities, at);
      return true;
    });
  }

  async pending(userKey: string): Promise<KakaoPending[]> {
    return this.db.rows<KakaoPending>('SELECT id, activity FROM kakao_pending WHERE user_key = $1 ORDER BY position, id', [userKey]);
  }

  async settle(userKey: string, taken: number[], rest: Partial<Activity>[], at = Date.now()): Promise<void> {
    if (taken.length === 0 && rest.length === 0) return;
    await this.db.transaction(async (tx) => {
      await lockUser(tx, userKey);
      await tx.query('DELETE FROM kakao_pending WHERE user_key = $1 AND id = ANY($2::int[])', [userKey, taken]);
      if (rest.length === 0) return;
      // What a call could not carry goes back in front of anything added meanwhile.
      const first = (await tx.row<{ first: number }>('SELECT coalesce(min(position), 1)::int AS first FROM kakao_pending WHERE user_key = $1', [userKey]))!;
      await insert(tx, userKey, first.first - rest.length, rest, at);
    });
  }

  async user(userKey: string): Promise<KakaoUser | undefined> {
    const row = await this.db.row<{ development: boolean; language: string; rung_at: number | null; task_id: string | null }>(
      `SELECT development, language, ${epochMs('rung_at')}, task_id FROM kakao_users WHERE user_key = $1`,
      [userKey],
    );
    if (!row) return undefined;
    return { userKey, development: row.development, language: row.language === 'en' ? 'en' : 'ko', rungAt: row.rung_at ?? undefined, taskId: row.task_id ?? undefined };
  }

  async seen(userKey: string, details: { development: boolean; plusfriendUserKey?: string }, at = Date.now()): Promise<void> {
    await this.db.query(
      `INSERT INTO kakao_users AS u (user_key, development, plusfriend_user_key, updated_at) VALUES ($1, $2, $3, to_timestamp($4 / 1000.0))
       ON CONFLICT (user_key) DO UPDATE SET development = excluded.development,
         plusfriend_user_key = coalesce(excluded.plusfriend_user_key, u.plusfriend_user_key), updated_at = excluded.updated_at`,
      [userKey, details.development, details.plusfriendUserKey?.slice(0, 200) ?? null, at],
    );
  }

  async setLanguage(userKey: string, language: Language): Promise<void> {
    await this.db.query('UPDATE kakao_users SET language = $1 WHERE user_key = $2 AND language <> $1', [language, userKey]);
  }

  async claimRing(userKey: string, at = Date.now()): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE kakao_users SET rung_at = to_timestamp($1 / 1000.0), task_id = NULL WHERE user_key = $2 AND rung_at IS NULL',
      [at, userKey],
    );
    return (rowCount ?? 0) > 0;
  }

  async ringAccepted(userKey: string, taskId: string | undefined): Promise<void> {
    await this.db.query('UPDATE kakao_users SET task_id = $1 WHERE user_key = $2', [taskId?.slice(0, 200) ?? null, userKey]);
  }

  async clearRing(userKey: string): Promise<void> {
    await this.db.query('UPDATE kakao_users SET rung_at = NULL WHERE user_key = $1 AND rung_at IS NOT NULL', [userKey]);
  }

  async purgeBefore(cutoff: Date): Promise<number> {
    return (await this.db.query('DELETE FROM kakao_pending WHERE created_at < $1', [cutoff.toISOString()])).rowCount ?? 0;
  }
}
