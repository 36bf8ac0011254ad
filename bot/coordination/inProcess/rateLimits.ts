// Rate limits in this process: a fixed-window counter per key, the same rule rate-limiter-flexible's
// shared stores (PostgreSQL among them) apply, so a multi-instance backend keeps today's behaviour.
// Memory is one small record per key, at most `maxKeys` keys per limit (the least recently used go first;
// a forgotten key starts again with a full budget).
import type { RateLimit, RateLimits, RateRule, RateVerdict } from '../ports';

export class FixedWindowLimit implements RateLimit {
  private readonly windows = new Map<string, { start: number; hits: number }>();

  constructor(
    private readonly rule: RateRule,
    private readonly now: () => number,
    private readonly maxKeys = 100_000,
  ) {}

  async check(key: string): Promise<RateVerdict> {
    if (this.rule.limit <= 0) return { allowed: true };
    const now = this.now();
    const window = this.windows.get(key);
    if (!window || now >= window.start + this.rule.windowMs || window.hits < this.rule.limit) return { allowed: true };
    return this.refusal(window.start, now);
  }

  async take(key: string): Promise<RateVerdict> {
    const { limit, windowMs } = this.rule;
    if (limit <= 0) return { allowed: true };
    const now = this.now();
    let window = this.windows.get(key);
    if (window) this.windows.delete(key); // re-inserted below: the map stays ordered by last use
    if (!window || now >= window.start + windowMs || now < window.start) window = { start: now, hits: 0 };
    this.windows.set(key, window);
    if (window.hits >= limit) return this.refusal(window.start, now);
    window.hits += 1;
    if (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    return { allowed: true };
  }

  get size(): number {
    return this.windows.size;
  }

  private refusal(start: number, now: number): RateVerdict {
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((start + this.rule.windowMs - now) / 1000)) };
  }
}

export class InProcessRateLimits implements RateLimits {
  private readonly limits = new Map<string, FixedWindowLimit>();

  constructor(private readonly now: () => number) {}

  limit(name: string, rule: RateRule): FixedWindowLimit {
    let limit = this.limits.get(name);
    if (!limit) {
      limit = new FixedWindowLimit(rule, this.now);
      this.limits.set(name, limit);
    }
    return limit;
  }
}
