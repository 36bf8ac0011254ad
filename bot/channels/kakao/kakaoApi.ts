// Calls to Kakao: the Event API ring (POST /v2/bots/{botId}/talk) and the one-time callback URL. Both answer
// `{taskId, status, message?}`; SUCCESS means accepted (the Event API's delivery is not confirmed here).
import { z } from 'zod';
import type { SkillResponse } from './response';

/** Kakao's answer, or what stood for it (an HTTP status, a network error), for logs and the outbox. */
export class KakaoApiError extends Error {
  override name = 'KakaoApiError';
  constructor(
    message: string,
    /** Retrying cannot help: Kakao refused the call itself (a FAIL, a 4xx other than 408/429). */
    readonly permanent: boolean,
    readonly answer?: unknown,
  ) {
    super(message);
  }
}

const answerSchema = z.looseObject({ taskId: z.string().max(200).optional().catch(undefined), status: z.string().max(50).optional().catch(undefined), message: z.string().max(2000).optional().catch(undefined) });

export interface EventApiTarget {
  apiUrl: string;
  restApiKey: string;
  eventName: string;
  botId: string;
}

/** The ring: Kakao runs the event block for this seller, whose skill call (params.pull) fetches what waits. */
export function eventBody(eventName: string, userKey: string) {
  return { event: { name: eventName }, user: [{ type: 'botUserKey', id: userKey }], params: { pull: '1' } };
}

export function eventUrl(target: Pick<EventApiTarget, 'apiUrl' | 'botId'>, development: boolean): string {
  return `${target.apiUrl}/v2/bots/${encodeURIComponent(target.botId)}${development ? '!' : ''}/talk`;
}

export async function ringSeller(target: EventApiTarget, seller: { userKey: string; development: boolean }, signal: AbortSignal): Promise<{ taskId?: string }> {
  return postToKakao(eventUrl(target, seller.development), eventBody(target.eventName, seller.userKey), { authorization: `KakaoAK ${target.restApiKey}` }, signal);
}

/** The real answer of a call that answered `useCallback: true`; the URL is single-use and valid for a minute. */
export async function postCallback(callbackUrl: string, response: SkillResponse, signal: AbortSignal): Promise<{ taskId?: string }> {
  return postToKakao(callbackUrl, response, {}, signal);
}

async function postToKakao(url: string, body: unknown, headers: Record<string, string>, signal: AbortSignal): Promise<{ taskId?: string }> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal, redirect: 'error' });
  } catch (error) {
    throw new KakaoApiError(`no answer from Kakao: ${(error as Error).message}`, false);
  }
  const text = (await res.text().catch(() => '')).slice(0, 4000);
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {
    // kept as text for the log
  }
  if (!res.ok) {
    const transient = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new KakaoApiError(`Kakao answered ${res.status}`, !transient, answer);
  }
  const parsed = answerSchema.safeParse(answer);
  const status = parsed.success ? parsed.data.status : undefined;
  // Only an explicit refusal is one; an answer without a status is taken as accepted (the 2xx says so).
  if (status && status.toUpperCase() !== 'SUCCESS') {
    throw new KakaoApiError(`Kakao refused: ${status}${parsed.data?.message ? ` (${parsed.data.message})` : ''}`, true, answer);
  }
  return { taskId: parsed.success ? parsed.data.taskId : undefined };
}
