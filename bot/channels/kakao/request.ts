// What Kakao sends (SkillPayload), read tolerantly: Kakao adds fields without notice, so unknown fields are
// ignored and an optional field of an unexpected type is dropped, never a 400. Only the user key is required.
import { z } from 'zod';

/** Longer than any user key Kakao documents (≤ 70 characters), short enough for keys and URLs. */
const MAX_USER_KEY = 128;

/** Drops a value of the wrong type instead of failing the whole request. */
const optional = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
const shortString = z.string().max(1000);
const stringMap = z.record(z.string(), z.unknown()).transform((record) => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) if (typeof value === 'string') out[key] = value;
  return out;
});

export const skillRequestSchema = z.looseObject({
  bot: optional(z.looseObject({ id: optional(shortString), name: optional(shortString) })),
  intent: optional(z.looseObject({ id: optional(shortString), name: optional(shortString) })),
  action: optional(
    z.looseObject({
      id: optional(shortString),
      name: optional(shortString),
      params: optional(stringMap),
      clientExtra: optional(z.record(z.string(), z.unknown()).nullable()),
    }),
  ),
  userRequest: z.looseObject({
    user: z.looseObject({
      id: z
        .string()
        .min(1)
        .max(MAX_USER_KEY)
        .regex(/^[\x21-\x7e]+$/, 'expected a printable key without spaces'),
      type: optional(shortString),
      properties: optional(z.looseObject({ plusfriendUserKey: optional(shortString), appUserId: optional(shortString) })),
    }),
    // Absent, null or empty: an event-triggered call (the pull), not a malformed request.
    utterance: optional(z.string().nullable()),
    params: optional(stringMap),
    callbackUrl: optional(z.string().max(2000)),
    block: optional(z.looseObject({ id: optional(shortString), name: optional(shortString) })),
    lang: optional(z.string().max(20).nullable()),
  }),
  flow: optional(z.looseObject({ trigger: optional(z.looseObject({ type: optional(shortString) })) })),
});

export type SkillRequest = z.infer<typeof skillRequestSchema>;

/** What the channel needs from a skill call. */
export interface SkillCall {
  /** botUserKey: the bot-scoped user id (the conversation's key). */
  userKey: string;
  plusfriendUserKey?: string;
  /** The bot id as sent, without the development channel's "!". */
  botId?: string;
  /** The call came through the development channel (bot id ending in "!"). */
  development: boolean;
  /** The seller's text, or the pressed quick reply's messageText; '' for an event-triggered call. */
  utterance: string;
  /** The pressed button's or quick reply's `extra`. */
  clientExtra?: Record<string, unknown>;
  params: Record<string, string>;
  callbackUrl?: string;
  /** An event-triggered call that fetches what waits: params.pull, or no utterance at all. */
  pull: boolean;
  surface?: string;
  trigger?: string;
}

export type ParseResult = { ok: true; call: SkillCall } | { ok: false; message: string };

export function parseSkillRequest(body: unknown): ParseResult {
  const parsed = skillRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'body';
    return { ok: false, message: `${where}: ${issue?.message ?? 'invalid'}` };
  }
  const { bot, action, userRequest, flow } = parsed.data;
  const rawBotId = bot?.id;
  const development = rawBotId?.endsWith('!') ?? false;
  const utterance = userRequest.utterance ?? '';
  const params = userRequest.params ?? {};
  return {
    ok: true,
    call: {
      userKey: userRequest.user.id,
      plusfriendUserKey: userRequest.user.properties?.plusfriendUserKey,
      botId: development ? rawBotId!.slice(0, -1) : rawBotId,
      development,
      utterance,
      clientExtra: action?.clientExtra ?? undefined,
      params,
      callbackUrl: userRequest.callbackUrl,
      pull: params.pull === '1' || utterance.trim() === '',
      surface: params.surface,
      trigger: flow?.trigger?.type,
    },
  };
}
