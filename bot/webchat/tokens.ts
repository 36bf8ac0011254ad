// Direct Line tokens for the built-in web chat: compact JWTs (HS256) that name one conversation and
// one user, and expire. botframework-directlinejs and Web Chat read the `user` claim to learn the
// seller's id (so a page cannot pick someone else's id), exactly as with the Azure Direct Line service.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readSecretFile, writeSecretFile } from '../storage/secretFile';

/** Tokens live an hour; directlinejs refreshes them every 15 minutes while the page is open. */
export const TOKEN_LIFETIME_SECONDS = 60 * 60;

const ISSUER = 'seller-support-bot/directline';

export interface TokenClaims {
  conversationId: string;
  userId: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class TokenSigner {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (secret.length < 16) throw new Error('the web chat token secret must be at least 16 characters');
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(conversationId: string, userId: string, lifetimeSeconds = TOKEN_LIFETIME_SECONDS): { token: string; expiresIn: number } {
    const iat = Math.floor(this.now().getTime() / 1000);
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(JSON.stringify({ iss: ISSUER, conv: conversationId, user: userId, iat, exp: iat + lifetimeSeconds }));
    return { token: `${header}.${payload}.${this.mac(`${header}.${payload}`)}`, expiresIn: lifetimeSeconds };
  }

  verify(token: string): TokenCheck {
    const parts = token.split('.');
    if (parts.length !== 3 || token.length > 2048) return { ok: false, reason: 'malformed' };
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature' };
    let claims: { alg?: unknown; iss?: unknown; conv?: unknown; user?: unknown; iat?: unknown; exp?: unknown };
    try {
      const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
      if (head.alg !== 'HS256') return { ok: false, reason: 'malformed' };
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const { iss, conv, user, iat, exp } = claims;
    if (iss !== ISSUER || typeof conv !== 'string' || typeof user !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') {
      return { ok: false, reason: 'malformed' };
    }
    if (exp <= this.now().getTime() / 1000) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { conversationId: conv, userId: user, issuedAt: iat, expiresAt: exp } };
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}

/** The file under DATA_DIR (and the name in a shared database) of the generated signing secret. */
export const TOKEN_SECRET_FILE = 'webchat-secret';

export function newTokenSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The signing secret: LOCAL_WEBCHAT_SECRET when set, otherwise a random one generated at first start
 * and kept in DATA_DIR (so tokens, and the seller's open conversation, survive a restart).
 */
export function loadTokenSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const stored = readSecretFile(dataDir, TOKEN_SECRET_FILE);
  if (stored && stored.length >= 32) return stored;
  const secret = newTokenSecret();
  writeSecretFile(dataDir, TOKEN_SECRET_FILE, secret);
  return secret;
}

/** Ids that are safe in URLs, file names and SQL-free logs: 22 characters of base64url (128 bits). */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
