// The shape an incoming activity must have before botbuilder sees it. botbuilder alone answers
// malformed input with 500 (or sends replies to the public Bot Framework host), so we check first.
import { ActivityTypes } from 'botbuilder';
import { z } from 'zod';

/**
 * JSON null in an optional field means "absent", as the Bot Framework SDKs read it (Newtonsoft, the JS
 * SDK's `??`): dropped at the top level and one level down (conversation, accounts, attachments).
 * A required field that is null is then simply missing, and still refused.
 */
export function withoutNulls(value: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const strip = (v: unknown): unknown => (isObject(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null)) : v);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([key, v]) => [key, Array.isArray(v) ? v.map(strip) : strip(v)]),
  );
}

const account = z.looseObject({ id: z.string().min(1).max(512), name: z.string().max(512).optional(), role: z.string().max(64).optional() });

export const KNOWN_ACTIVITY_TYPES = new Set<string>(Object.values(ActivityTypes));

export const activitySchema = z.preprocess(withoutNulls, z.looseObject({
  type: z.string().min(1).max(64),
  id: z.string().max(512).optional(),
  channelId: z.string().min(1).max(128),
  serviceUrl: z.string().max(2048).optional(),
  conversation: z.looseObject({ id: z.string().min(1).max(512), isGroup: z.boolean().optional(), tenantId: z.string().max(256).optional() }),
  from: account,
  recipient: account.optional(),
  text: z.string().optional(),
  locale: z.string().max(32).optional(),
  timestamp: z.string().max(64).optional(),
  replyToId: z.string().max(512).optional(),
  deliveryMode: z.enum(['normal', 'notification', 'expectReplies', 'ephemeral']).optional(),
  attachments: z.array(z.looseObject({ contentType: z.string().max(256) })).max(50).optional(),
  membersAdded: z.array(account).max(100).optional(),
  membersRemoved: z.array(account).max(100).optional(),
  name: z.string().max(256).optional(),
}));

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether replies may be posted to this serviceUrl. Entries are URLs, `loopback` (any port on this
 * machine) or `*`. An entry allows its scheme, host and port exactly, and paths under its path (on a
 * segment boundary); only http(s) URLs without user-info are ever allowed. A string prefix would let
 * `http://localhost.evil.example/` or `http://127.0.0.1:4299@192.0.2.2/` through.
 */
export function isAllowedServiceUrl(serviceUrl: string, allowed: string[]): boolean {
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  return allowed.some((entry) => {
    if (entry === '*') return true;
    if (entry === 'loopback') return LOOPBACK_HOSTS.test(url.hostname);
    if (entry === 'https://' || entry === 'http://') return url.protocol === entry.slice(0, -2);
    let base: URL;
    try {
      base = new URL(entry);
    } catch {
      return false;
    }
    if (base.protocol !== url.protocol || base.host !== url.host) return false;
    const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    return url.pathname === base.pathname || url.pathname.startsWith(prefix);
  });
}
