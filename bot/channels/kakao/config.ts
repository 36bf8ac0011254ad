// KakaoTalk settings. The keys themselves live in bot/config.ts's schema (a bad value stops start-up naming
// the key, like every other key); this module holds their rules and the settings the channel reads.
import { z } from 'zod';
import type { RawConfig } from '../../config';

/** Shortest skill secret accepted: it is the only thing that tells Kakao's calls from anyone else's. */
export const MIN_KAKAO_SECRET_LENGTH = 24;

/** Kakao waits 5 s for a skill's answer, then shows nothing. */
export const KAKAO_SKILL_TIMEOUT_MS = 5000;

export const DEFAULT_KAKAO_API_URL = 'https://bot-api.kakao.com';

// Bot ids seen are 24 hex digits, but their form is not documented: only characters that are safe in the
// Event API's URL path are required.
export const kakaoBotId = z
  .string()
  .max(100)
  .refine((v) => !v.endsWith('!'), 'the operating bot id, without the "!" of the development channel (added for sellers who come through it)')
  .refine((v) => /^[A-Za-z0-9_-]+$/.test(v), 'expected the bot id from the chatbot admin center (letters, digits, "-" or "_")');

type KakaoKeys = Pick<
  RawConfig,
  | 'KAKAO_ENABLED'
  | 'KAKAO_SKILL_HEADER'
  | 'KAKAO_SKILL_SECRET'
  | 'KAKAO_BOT_ID'
  | 'KAKAO_REST_API_KEY'
  | 'KAKAO_EVENT_NAME'
  | 'KAKAO_API_URL'
  | 'KAKAO_REPLY_BUDGET_MS'
  | 'KAKAO_HANDOFF'
>;

/** Keys that only make sense together; called from the configuration schema's superRefine. */
export function checkKakaoConfig(c: KakaoKeys, ctx: z.RefinementCtx): void {
  const issue = (key: keyof KakaoKeys, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
  if (c.KAKAO_ENABLED && !c.KAKAO_SKILL_SECRET) issue('KAKAO_SKILL_SECRET', 'required when KAKAO_ENABLED is on (Kakao signs nothing: the secret header is the only check)');
  if (c.KAKAO_REST_API_KEY && !c.KAKAO_BOT_ID) issue('KAKAO_BOT_ID', 'required with KAKAO_REST_API_KEY (the Event API addresses the bot by its id)');
  if (c.KAKAO_REST_API_KEY && !c.KAKAO_EVENT_NAME) issue('KAKAO_EVENT_NAME', 'required with KAKAO_REST_API_KEY (the event of the block that fetches waiting messages)');
  if (c.KAKAO_EVENT_NAME && !c.KAKAO_REST_API_KEY) issue('KAKAO_REST_API_KEY', 'required with KAKAO_EVENT_NAME (the Event API key)');
}

/** What the channel reads, once validated. */
export interface KakaoSettings {
  /** Lower-case, as Node hands header names over. */
  skillHeader: string;
  secret: string;
  /** When set, skill calls for another bot are refused. */
  botId?: string;
  replyBudgetMs: number;
  handoff: 'hub' | 'platform';
  /** Present when agent messages can ring the seller (the Event API). */
  eventApi?: { apiUrl: string; restApiKey: string; eventName: string; botId: string };
}

/** undefined when the channel is off. */
export function kakaoSettings(c: KakaoKeys): KakaoSettings | undefined {
  if (!c.KAKAO_ENABLED || !c.KAKAO_SKILL_SECRET) return undefined;
  const { KAKAO_REST_API_KEY: restApiKey, KAKAO_EVENT_NAME: eventName, KAKAO_BOT_ID: botId } = c;
  return {
    skillHeader: c.KAKAO_SKILL_HEADER.toLowerCase(),
    secret: c.KAKAO_SKILL_SECRET,
    botId,
    replyBudgetMs: c.KAKAO_REPLY_BUDGET_MS,
    handoff: c.KAKAO_HANDOFF,
    eventApi: restApiKey && eventName && botId ? { apiUrl: c.KAKAO_API_URL ?? DEFAULT_KAKAO_API_URL, restApiKey, eventName, botId } : undefined,
  };
}
