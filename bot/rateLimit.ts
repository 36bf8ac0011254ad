// Rate limits: a token bucket per key (a conversation, a client address). `limit` requests fit in a burst,
// and the bucket refills at `limit` per `windowMs`, so a steady `limit` per window is always allowed.
// Memory is one small record per key, with at most `maxKeys` keys (the least recently used go first; a
// forgotten key simply starts again with a full bucket).
import type { Response } from 'restify';

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    /** Requests per window; 0 turns the limiter off. */
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string): RateVerdict {
    if (this.limit <= 0) return { allowed: true };
    const now = this.now();
    const perMs = this.limit / this.windowMs;
    const bucket = this.buckets.get(key);
    let tokens = this.limit;
    if (bucket) {
      tokens = Math.min(this.limit, bucket.tokens + (now - bucket.at) * perMs);
      this.buckets.delete(key); // re-inserted below: the map stays ordered by last use
    }
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return { allowed: true };
  }

  /** Whether `key` is out of budget right now, without spending any (for limits on failures only). */
  check(key: string): RateVerdict {
    if (this.limit <= 0) return { allowed: true };
    const bucket = this.buckets.get(key);
    if (!bucket) return { allowed: true };
    const perMs = this.limit / this.windowMs;
    const tokens = Math.min(this.limit, bucket.tokens + (this.now() - bucket.at) * perMs);
    return tokens >= 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** 429 with Retry-After and the usual JSON error body. */
export function sendTooManyRequests(res: Response, retryAfterSeconds: number, message: string): void {
  res.header('retry-after', String(retryAfterSeconds));
  res.status(429);
  res.json({ code: 'TooManyRequests', message, retryAfterSeconds });
}
