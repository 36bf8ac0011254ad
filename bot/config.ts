// Configuration from the environment (and an optional .env file), checked once at start-up.
// A bad value stops the bot with a message naming the key; nothing else reads process.env.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { DEFAULT_KAKAO_API_URL, KAKAO_SKILL_TIMEOUT_MS, MIN_KAKAO_SECRET_LENGTH, checkKakaoConfig, kakaoBotId } from './channels/kakao/config';
import { isAddressOrRange } from './clientAddress';
import { BusinessHours, HoursFormatError, parseSchedule } from '../knowledge/hours';
import { TALKTALK_SEND_API_URL, TALKTALK_SOURCE_RANGES } from './channels/talktalk/contract';

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());
const bool = (fallback?: boolean) =>
  z.preprocess(emptyToUndefined, z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']).optional()).transform((v) =>
    v === undefined ? fallback : ['true', '1', 'yes', 'on'].includes(v),
  );
const int = (fallback: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
const list = z.preprocess(emptyToUndefined, z.string().optional()).transform((v) =>
  (v ?? '').split(',').map((s) => s.trim()).filter(Boolean),
);

const timeZone = z.preprocess(emptyToUndefined, z.string().default('Asia/Seoul')).refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'not a known IANA time zone (e.g. Asia/Seoul)');

/** Shortest agent token accepted: shorter ones can be guessed (failed attempts are rate-limited too). */
export const MIN_AGENT_TOKEN_LENGTH = 24;

/** One agent's "name:token" (AGENT_TOKENS entries, the local agent-token file); undefined when malformed. */
export function parseAgentToken(pair: string): { name: string; token: string } | undefined {
  const at = pair.indexOf(':');
  const name = pair.slice(0, at).trim();
  const token = pair.slice(at + 1).trim();
  return at > 0 && name && token.length >= MIN_AGENT_TOKEN_LENGTH ? { name, token } : undefined;
}

const agentTokens = list.transform((pairs, ctx) => {
  const agents: { name: string; token: string }[] = [];
  for (const pair of pairs) {
    const agent = parseAgentToken(pair);
    if (!agent) {
      ctx.addIssue({ code: 'custom', message: `expected name:token pairs separated by commas, each token at least ${MIN_AGENT_TOKEN_LENGTH} characters` });
      return z.NEVER;
    }
    agents.push(agent);
  }
  return agents;
});

// Links are built by appending the bot's own paths (`${PUBLIC_BASE_URL}/webchat/uploads/…`). The web chat
// page and the agent console ask for their scripts and APIs from the root, so a path prefix would give
// links that work and pages that do not: only an origin is taken.
/** An origin alone (links and API calls append their paths to it): no path, query, fragment or credentials. */
function originOnly(fallback: string | undefined, example: string) {
  return z
    .preprocess(emptyToUndefined, z.string().trim().optional())
    .transform((v) => v ?? fallback)
    .pipe(z.url({ protocol: /^https?$/, error: `expected an absolute http(s) URL (${example})` }).optional())
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const url = new URL(value);
      if (/[?#]/.test(value) || url.username || url.password || url.pathname !== '/') {
        ctx.addIssue({ code: 'custom', message: `expected the address alone, with no path, query, fragment or credentials (${example})` });
        return z.NEVER;
      }
      return url.origin;
    });
}

// Links are built by appending the bot's own paths (`${PUBLIC_BASE_URL}/webchat/uploads/…`). The web chat
// page and the agent console ask for their scripts and APIs from the root, so a path prefix would give
// links that work and pages that do not: only an origin is taken.
const publicBaseUrl = originOnly(undefined, 'e.g. https://chat.example.com');

function isServiceUrlEntry(entry: string): boolean {
  // `https://` alone allows every https host (the scheme-only prefix the old prefix check took).
  if (entry === 'loopback' || entry === '*' || entry === 'https://' || entry === 'http://') return true;
  try {
    const url = new URL(entry);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.search && !url.hash;
  } catch {
    return false;
  }
}

// Only the scheme and a host are checked here; the credentials are never echoed in an error.
const databaseUrl = optionalString.refine((value) => {
  if (value === undefined) return true;
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'expected a PostgreSQL URL, postgres://user:password@host:5432/database (unset: SQLite in DATA_DIR)');

const schema = z
  .object({
    PORT: int(3978, 0, 65535),
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
    LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
    MicrosoftAppType: z.preprocess(emptyToUndefined, z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant')),
    MicrosoftAppId: z.preprocess(emptyToUndefined, z.string().trim().default('')),
    MicrosoftAppPassword: z.preprocess(emptyToUndefined, z.string().default('')),
    MicrosoftAppTenantId: z.preprocess(emptyToUndefined, z.string().trim().default('')),
    ToBotFromChannelOpenIdMetadataUrl: optionalString.pipe(z.url().optional()),
    ToBotFromChannelTokenIssuer: optionalString,
    ALLOWED_SERVICE_URLS: list
      .pipe(z.array(z.string().refine(isServiceUrlEntry, 'expected `loopback`, `*`, `https://` or http(s) URLs without user-info (e.g. http://127.0.0.1:4299)')))
      .transform((v) => (v.length ? v : ['loopback'])),
    CHANNEL_TIMEOUT_MS: int(10000, 100, 120000),
    BODY_LIMIT_BYTES: int(262144, 1024, 10 * 1024 * 1024),
    MAX_MESSAGE_LENGTH: int(2000, 50, 100000),
    SUPPORT_PHONE: optionalString.pipe(z.string().regex(/^[+\d][\d\s()-]{3,24}$/, 'not a phone number').optional()),
    SUPPORT_EMAIL: optionalString.pipe(z.email().optional()),
    SUPPORT_INQUIRY_URL: optionalString.pipe(z.url().optional()),
    SUPPORT_HOURS: z.preprocess(emptyToUndefined, z.string().default('daily 00:00-24:00')).transform((text, ctx) => {
      try {
        return parseSchedule(text);
      } catch (error) {
        if (!(error instanceof HoursFormatError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    }),
    SUPPORT_HOLIDAYS: list.pipe(z.array(z.iso.date('expected ISO dates like 2026-12-25'))),
    SUPPORT_TIMEZONE: timeZone,
    AGENT_TOKENS: agentTokens,
    FALLBACK_HANDOFF_AFTER: int(1, 0, 100),
    HANDOFF_MODE: z.preprocess(emptyToUndefined, z.enum(['hub', 'protocol', 'both']).default('hub')),
    HANDOFF_TIMEOUT_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().positive().max(24 * 60).default(10)),
    LOCAL_WEBCHAT: bool(),
    LOCAL_WEBCHAT_SECRET: optionalString.pipe(z.string().min(16, 'at least 16 characters (it signs the web chat tokens)').optional()),
    WEBCHAT_LEAVE_SECONDS: int(60, 1, 3600),
    TRANSCRIPT_RETENTION_DAYS: int(90, 1, 3650),
    PUBLIC_BASE_URL: publicBaseUrl,
    TRUSTED_PROXIES: list.pipe(z.array(z.string().refine(isAddressOrRange, 'expected IP addresses or CIDR ranges (10.0.0.0/8)'))),
    // Durable outbox (bot/outbox): retries of what the channel did not take.
    OUTBOX_RETRY_BASE_MS: int(1000, 10, 600_000),
    OUTBOX_RETRY_MAX_MS: int(300_000, 100, 86_400_000),
    OUTBOX_MAX_AGE_HOURS: z.preprocess(emptyToUndefined, z.coerce.number().positive().max(24 * 30).default(24)),
    // Rate limits (0 turns a limit off).
    RATE_LIMIT_PER_MINUTE: int(60, 0, 1_000_000),
    SIGNIN_RATE_LIMIT_PER_MINUTE: int(20, 0, 1_000_000),
    // Unauthenticated local mode only: new handoffs per client address per 10 minutes.
    HANDOFF_LIMIT_PER_ADDRESS: int(30, 0, 1_000_000),
    // Local mode: undelivered outbox rows kept per serviceUrl origin.
    OUTBOX_MAX_PENDING_PER_ORIGIN: int(500, 1, 1_000_000),
    // Direct Line long polls one web chat token may hold open at once.
    WEBCHAT_POLLS_PER_TOKEN: int(4, 1, 100),
    // KakaoTalk channel (bot/channels/kakao): the Open Builder skill server and the Event API.
    KAKAO_ENABLED: bool(false),
    KAKAO_SKILL_HEADER: z
      .preprocess(emptyToUndefined, z.string().trim().default('X-Skill-Token'))
      .pipe(z.string().max(100).regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name (e.g. X-Skill-Token)')),
    KAKAO_SKILL_SECRET: z.preprocess(
      emptyToUndefined,
      z.string().min(MIN_KAKAO_SECRET_LENGTH, `at least ${MIN_KAKAO_SECRET_LENGTH} characters (random; the skill's header value)`).max(1000).optional(),
    ),
    KAKAO_BOT_ID: optionalString.pipe(kakaoBotId.optional()),
    KAKAO_REST_API_KEY: z.preprocess(emptyToUndefined, z.string().max(1000).optional()),
    KAKAO_EVENT_NAME: optionalString.pipe(z.string().max(100).regex(/^[^\s/?#]+$/, "expected the event block's name, without spaces").optional()),
    KAKAO_API_URL: originOnly(DEFAULT_KAKAO_API_URL, 'the scheme and host alone, e.g. https://bot-api.kakao.com'),
    KAKAO_REPLY_BUDGET_MS: int(3500, 50, KAKAO_SKILL_TIMEOUT_MS - 500),
    KAKAO_HANDOFF: z.preprocess(emptyToUndefined, z.enum(['hub', 'platform']).default('hub')),
    // Naver TalkTalk (bot/channels/talktalk): webhook in, send API out.
    TALKTALK_ENABLED: bool(false),
    TALKTALK_WEBHOOK_TOKEN: optionalString.pipe(
      z.string().regex(/^[A-Za-z0-9_-]{24,200}$/, 'expected 24 to 200 letters, digits, "-" or "_" (it is part of the webhook URL)').optional(),
    ),
    TALKTALK_ALLOWED_IPS: list
      .pipe(z.array(z.string().refine(isAddressOrRange, 'expected IP addresses or CIDR ranges (211.249.40.0/27)')))
      .transform((v) => (v.length ? v : TALKTALK_SOURCE_RANGES)),
    TALKTALK_API_URL: optionalString
      .pipe(z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' }).optional())
      .transform((v) => v ?? TALKTALK_SEND_API_URL),
    TALKTALK_AUTH_KEY: optionalString,
    TALKTALK_HANDOFF: z.preprocess(emptyToUndefined, z.enum(['hub', 'platform']).default('hub')),
    TALKTALK_PARTNER_ID: optionalString.pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected the partner account id (e.g. wc1234)').optional()),
    // Several instances on one PostgreSQL database (bot/coordination/postgres); unset: one process, SQLite.
    DATABASE_URL: databaseUrl,
    // At least 2: the turn lock may hold half of the pool, the rest serves everything else.
    DATABASE_POOL_SIZE: int(10, 2, 1000),
  })
  .superRefine((c, ctx) => {
    const authenticated = c.MicrosoftAppId !== '';
    if (authenticated && c.MicrosoftAppType !== 'UserAssignedMSI' && !c.MicrosoftAppPassword) {
      ctx.addIssue({ code: 'custom', path: ['MicrosoftAppPassword'], message: 'required when MicrosoftAppId is set' });
    }
    if (c.MicrosoftAppType !== 'MultiTenant' && authenticated && !c.MicrosoftAppTenantId) {
      ctx.addIssue({ code: 'custom', path: ['MicrosoftAppTenantId'], message: `required when MicrosoftAppType is ${c.MicrosoftAppType}` });
    }
    if (authenticated && c.AGENT_TOKENS.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['AGENT_TOKENS'], message: 'required when Bot Framework credentials are set' });
    }
    if (authenticated && c.LOCAL_WEBCHAT === true && !c.LOCAL_WEBCHAT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['LOCAL_WEBCHAT_SECRET'], message: 'required when LOCAL_WEBCHAT is on with Bot Framework credentials' });
    }
    checkKakaoConfig(c, ctx);
    for (const key of ['TALKTALK_WEBHOOK_TOKEN', 'TALKTALK_AUTH_KEY'] as const) {
      if (c.TALKTALK_ENABLED && !c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required when TALKTALK_ENABLED is true' });
    }
  });

export type RawConfig = z.infer<typeof schema>;

export interface Config extends RawConfig {
  /** No Bot Framework credentials: local use (Emulator, the built-in web chat). */
  readonly localMode: boolean;
  readonly localWebChat: boolean;
  readonly dataDir: string;
  readonly businessHours: BusinessHours;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment variables win over the .env file, as in every dotenv tool. */
export function readEnvironment(envFile = resolve('.env'), env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  return { ...fromFile, ...env };
}

export function loadConfig(env: Record<string, string | undefined> = readEnvironment()): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(config)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const localMode = c.MicrosoftAppId === '';
  return {
    ...c,
    localMode,
    localWebChat: c.LOCAL_WEBCHAT ?? localMode,
    dataDir: resolve(c.DATA_DIR),
    businessHours: new BusinessHours(c.SUPPORT_HOURS, c.SUPPORT_TIMEZONE, new Set(c.SUPPORT_HOLIDAYS)),
  };
}
