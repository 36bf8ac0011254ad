// Rate limits shared by every instance: the in-process fixed windows (inProcess/rateLimits.ts) as one
// atomic upsert per hit on an unlogged table. Windows use the app's clock, as rate-limiter-flexible's
// PostgreSQL store does, so instances' clocks must agree to within a small part of a window.
import type pg from 'pg';
import type { RateLimit, RateLimits, RateRule, RateVerdict } from '../ports';

// A hit in a new window (or after the clock went back) starts it again; hits stop counting at limit + 1.
const TAKE = `
  INSERT INTO rate_limits AS r (name, key, window_start, window_end, hits) VALUES ($1, $2, $3::bigint, $3::bigint + $4::bigint, 1)
  ON CONFLICT (name, key) DO UPDATE SET
    window_start = CASE WHEN $3 >= r.window_end OR $3 < r.window_start THEN $3 ELSE r.window_start END,
    window_end = CASE WHEN $3 >= r.window_end OR $3 < r.window_start THEN $3 + $4 ELSE r.window_end END,
    hits = CASE WHEN $3 >= r.window_end OR $3 < r.window_start THEN 1 ELSE least(r.hits + 1, $5::integer + 1) END
  RETURNING window_end, hits`;

class PostgresFixedWindowLimit implements RateLimit {
  constructor(
    private readonly pool: pg.Pool,
    private readonly name: string,
    private readonly rule: RateRule,
    private readonly now: () => number,
  ) {}

  async take(key: string): Promise<RateVerdict> {
    const { limit, windowMs } = this.rule;
    if (limit <= 0) return { allowed: true };
    const now = this.now();
    const { rows } = await this.pool.query<{ window_end: string; hits: number }>(TAKE, [this.name, key, now, windowMs, limit]);
    return rows[0].hits <= limit ? { allowed: true } : refusal(Number(rows[0].window_end), now);
  }

  async check(key: string): Promise<RateVerdict> {
    if (this.rule.limit <= 0) return { allowed: true };
    const now = this.now();
    const { rows } = await this.pool.query<{ window_end: string }>(
      'SELECT window_end FROM rate_limits WHERE name = $1 AND key = $2 AND window_start <= $3 AND window_end > $3 AND hits >= $4',
      [this.name, key, now, this.rule.limit],
    );
    return rows.length ? refusal(Number(rows[0].window_end), now) : { allowed: true };
  }
}

function refusal(windowEnd: number, now: number): RateVerdict {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowEnd - now) / 1000)) };
}

export class PostgresRateLimits implements RateLimits {
  private readonly limits = new Map<string, RateLimit>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number,
  ) {}

  limit(name: string, rule: RateRule): RateLimit {
    let limit = this.limits.get(name);
    if (!limit) {
      limit = new PostgresFixedWindowLimit(this.pool, name, rule, this.now);
      this.limits.set(name, limit);
    }
    return limit;
  }
}
