// Abuse limits for the public web chat endpoint: a sliding-window counter per key (client address,
// conversation), and the client address itself (X-Forwarded-For only from TRUSTED_PROXIES).
import { isIP } from 'node:net';
import type { Request } from 'restify';

export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10000,
  ) {}

  /** Counts a hit and says whether it is allowed; when refused, how long until the next one is. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000)) };
    }
    recent.push(now);
    this.hits.delete(key); // re-insert: the map stays ordered by last use
    this.hits.set(key, recent);
    if (this.hits.size > this.maxKeys) this.hits.delete(this.hits.keys().next().value!);
    return { allowed: true };
  }
}

const normalize = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1)$/;

export function isLoopback(address: string | undefined): boolean {
  return !!address && LOOPBACK.test(normalize(address));
}

/** Whether the request came straight from one of the trusted reverse proxies. */
export function fromTrustedProxy(req: Request, trustedProxies: string[]): boolean {
  const peer = normalize(req.socket?.remoteAddress ?? '');
  return trustedProxies.some((proxy) => normalize(proxy) === peer);
}

/** The client's address: the socket peer, or the last untrusted X-Forwarded-For hop behind trusted proxies. */
export function clientAddress(req: Request, trustedProxies: string[]): string {
  const peer = normalize(req.socket?.remoteAddress ?? 'unknown');
  const trusted = new Set(trustedProxies.map(normalize));
  if (!trusted.has(peer)) return peer;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((s) => normalize(s.trim()))
    .filter((s) => isIP(s));
  for (let i = forwarded.length - 1; i >= 0; i--) {
    if (!trusted.has(forwarded[i]!)) return forwarded[i]!;
  }
  return peer;
}
