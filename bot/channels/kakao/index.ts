// KakaoTalk (Kakao's chatbot admin center, formerly Open Builder) as a channel: Kakao calls our skill for
// every message (POST /api/kakao/skill) and shows what the HTTP response says. See README.md for the setup
// and kakao-openbuilder.md (the platform contract) for the facts this relies on.
//
// A call: the secret (route.ts) → the waiting messages (agent messages held or rung for, what an earlier
// answer could not carry) → unless it is a pull or "더 보기", the turn (shared middleware and the bot) →
// everything rendered into one answer (render.ts), the rest kept for the next call. A turn not done within
// KAKAO_REPLY_BUDGET_MS answers "잠시만요" and finishes through the callback URL (through the outbox), or,
// without one, answers what is ready and keeps the rest.
import { type Activity, type CardAction, CardFactory } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import { turnLanguage } from '../../../dialogs/turn';
import type { Knowledge, Language } from '../../../knowledge';
import { type Job, conversationKey } from '../../coordination';
import type { HandoffRepo, KakaoRepo } from '../../storage/ports';
import type { ChannelDeps } from '../middleware';
import { type Channel, type ChannelAddress, DeliveryError } from '../port';
import { KakaoAdapter } from './adapter';
import { type KakaoSettings, kakaoSettings } from './config';
import { KakaoApiError, postCallback, ringSeller } from './kakaoApi';
import { MORE_EXTRA, OPERATOR_ACTION, type RenderTexts, render, textResponse } from './render';
import type { SkillCall } from './request';
import type { SkillResponse } from './response';
import { registerSkillRoute } from './route';

/** Messages kept per seller at most; past it new ones are refused (and logged). */
const MAX_PENDING_PER_SELLER = 500;

/** The channel's name and its activities' channelId. */
export const KAKAO = 'kakao';

/** Conversations (and seller ids) are `kakao:<botUserKey>`: the agent API shows and addresses them so. */
export const kakaoConversationId = (userKey: string) => `${KAKAO}:${userKey}`;

/** Kakao gives a callback URL one minute; past this it is not tried any more. */
const CALLBACK_WINDOW_MS = 55_000;

interface KakaoAddress extends ChannelAddress {
  userKey: string;
  /** Set for the answer of a call that said `useCallback: true`. */
  callbackUrl?: string;
  /** When that call came in (epoch ms). */
  calledAt?: number;
}

/** What the app gives the channel besides ChannelDeps. */
export interface KakaoExtras {
  knowledge: Knowledge;
  /** Who waits for an agent: a seller queued without the Event API is told replies come when they write. */
  handoff: Pick<HandoffRepo, 'openSession'>;
}

export interface KakaoStats {
  rings: number;
  ringFailures: number;
  callbacks: number;
  callbackFailures: number;
  invalidResponses: number;
}

export interface KakaoChannel extends Channel {
  readonly adapter: KakaoAdapter;
  readonly settings: KakaoSettings;
  readonly store: KakaoRepo;
  readonly stats: KakaoStats;
  /** Answers one authentic, well-formed skill call. */
  answer(call: SkillCall): Promise<SkillResponse>;
  /** Purges what waited longer than TRANSCRIPT_RETENTION_DAYS. */
  readonly job: Job;
}

export function createKakaoChannel(deps: ChannelDeps, extras: KakaoExtras): KakaoChannel | undefined {
  const settings = kakaoSettings(deps.config);
  if (!settings) return undefined;
  const { config, logger, turns, outbox } = deps;
  const { knowledge } = extras;
  const store = deps.stores.kakao;
  const append = (userKey: string, activities: Partial<Activity>[]) => store.append(userKey, activities, MAX_PENDING_PER_SELLER);
  const stats: KakaoStats = { rings: 0, ringFailures: 0, callbacks: 0, callbackFailures: 0, invalidResponses: 0 };
  const adapter = new KakaoAdapter({ outbox, logger, timeoutMs: config.CHANNEL_TIMEOUT_MS, channel: () => channel });
  const { eventApi, replyBudgetMs } = settings;

  const texts = (language: Language): RenderTexts => ({
    more: knowledge.text('kakao.more', language),
    acknowledgement: knowledge.text('kakao.ack', language),
    apology: knowledge.text('turn_error', language),
  });
  const renderFor = (activities: Partial<Activity>[], language: Language) =>
    render(activities, {
      texts: texts(language),
      publicBaseUrl: config.PUBLIC_BASE_URL,
      onInvalid: (problem) => {
        stats.invalidResponses += 1;
        logger.error({ problem }, 'kakao: a response broke a documented limit; answered with an apology');
      },
    });

  /** Rings the seller (Event API), once per burst: their event block's call fetches what waits. */
  async function ring(userKey: string, signal: AbortSignal): Promise<{ id?: string }> {
    if (!eventApi || !(await store.claimRing(userKey))) return {};
    const development = (await store.user(userKey))?.development ?? false;
    try {
      const { taskId } = await ringSeller(eventApi, { userKey, development }, signal);
      stats.rings += 1;
      await store.ringAccepted(userKey, taskId);
      logger.info({ conversationId: kakaoConversationId(userKey), taskId, development }, 'kakao: rang the seller (Event API)');
      return { id: taskId };
    } catch (error) {
      await store.clearRing(userKey);
      stats.ringFailures += 1;
      const answer = error instanceof KakaoApiError ? error.answer : undefined;
      logger.warn({ conversationId: kakaoConversationId(userKey), err: (error as Error).message, answer }, 'kakao: Event API call failed');
      throw new DeliveryError((error as Error).message, error instanceof KakaoApiError && error.permanent);
    }
  }

  /** The answer of a call that said useCallback: rendered now, posted once; what it cannot carry waits. */
  async function answerCallback(address: KakaoAddress, activity: Partial<Activity>, signal: AbortSignal): Promise<{ id?: string }> {
    const held = (activity.channelData as { kakaoCallback?: { activities: Partial<Activity>[]; language: Language } } | undefined)?.kakaoCallback;
    const activities = held?.activities ?? [];
    if (Date.now() - (address.calledAt ?? 0) > CALLBACK_WINDOW_MS) {
      await append(address.userKey, activities);
      stats.callbackFailures += 1;
      throw new DeliveryError('the callback URL expired; the answer waits for the next message', true);
    }
    const { response, rest } = renderFor(activities, held?.language ?? 'ko');
    try {
      const { taskId } = await postCallback(address.callbackUrl!, response, signal);
      stats.callbacks += 1;
      await append(address.userKey, rest);
      return { id: taskId };
    } catch (error) {
      const answer = error instanceof KakaoApiError ? error.answer : undefined;
      const permanent = error instanceof KakaoApiError && error.permanent;
      stats.callbackFailures += 1;
      logger.warn({ conversationId: kakaoConversationId(address.userKey), err: (error as Error).message, answer }, 'kakao: callback failed');
      // A single-use URL refused: the answer waits for the seller's next message instead.
      if (permanent) await append(address.userKey, activities);
      throw new DeliveryError((error as Error).message, permanent);
    }
  }

  const channel: KakaoChannel = {
    name: KAKAO,
    adapter,
    settings,
    store,
    stats,
    reach: () => (eventApi ? 'push' : 'next-message'),
    addressOf: (reference): KakaoAddress => ({ userKey: userKeyOf(reference.conversation?.id) }),
    async push(address, activity, signal) {
      const kakao = address as KakaoAddress;
      if (!kakao.userKey) throw new DeliveryError('not a Kakao conversation', true);
      if (kakao.callbackUrl) return answerCallback(kakao, activity, signal);
      // Delivered = in the seller's mailbox and rung for; the pull shows it (nothing to show without a ring).
      if (!(await append(kakao.userKey, [activity]))) throw new DeliveryError('too many messages wait for this seller', true);
      return ring(kakao.userKey, signal);
    },
    continueConversation: (reference, logic) => adapter.continueConversation(reference, logic),
    platformHandoff:
      settings.handoff === 'platform'
        ? async (context, { language, summary }) => {
            await context.sendActivity(operatorOffer(knowledge, language, summary));
          }
        : undefined,
    registerRoutes(server) {
      registerSkillRoute(server, {
        config,
        settings,
        logger,
        rateLimits: deps.rateLimits,
        answer: (call) => channel.answer(call),
        fallback: async (call, why) => {
          const language = (await store.user(call.userKey).catch(() => undefined))?.language ?? 'ko';
          return textResponse(knowledge.text(why === 'rate_limited' ? 'kakao.too_fast' : 'turn_error', language));
        },
      });
    },
    answer: (call) => answerCall(call),
    // What waited for a seller who never came back goes with the transcripts' retention (app.ts adds the job).
    job: {
      name: 'kakao-retention',
      everyMs: 86_400_000,
      atStart: true,
      run: async () => {
        const cutoff = new Date(deps.now().getTime() - config.TRANSCRIPT_RETENTION_DAYS * 86_400_000);
        const purged = await store.purgeBefore(cutoff);
        if (purged) logger.info({ purged }, 'kakao: purged messages nobody fetched');
      },
    },
  };

  /** Everything that waits for this seller: held outbox rows (reach next-message) join the mailbox first. */
  async function takeWaiting(userKey: string) {
    const held = await outbox.takeHeld(KAKAO, kakaoConversationId(userKey));
    if (held.length && !(await append(userKey, held))) logger.warn({ conversationId: kakaoConversationId(userKey) }, 'kakao: mailbox full; held messages dropped');
    await store.clearRing(userKey); // they are here: the next agent message rings again
    return store.pending(userKey);
  }

  async function answerCall(call: SkillCall): Promise<SkillResponse> {
    const { userKey } = call;
    const conversationId = kakaoConversationId(userKey);
    const calledAt = Date.now();
    await store.seen(userKey, { development: call.development, plusfriendUserKey: call.plusfriendUserKey });
    const more = call.clientExtra?.kakao === MORE_EXTRA.kakao;
    const runsTurn = !call.pull && !more;
    const callbackUrl = acceptableCallbackUrl(call.callbackUrl, eventApi?.apiUrl ?? config.KAKAO_API_URL);
    if (call.callbackUrl && !callbackUrl) logger.warn({ conversationId }, 'kakao: callback URL on another host ignored');

    let answered = false;
    let useCallback = false;
    let taken: number[] = [];
    let waiting: Partial<Activity>[] = [];
    let language: Language = (await store.user(userKey))?.language ?? 'ko';
    const collector = {
      open: true,
      replies: [] as Partial<Activity>[],
      late: async (activities: Partial<Activity>[]) => {
        if (!(await append(userKey, activities))) logger.warn({ conversationId }, 'kakao: mailbox full; late replies dropped');
      },
    };
    let resolve!: (response: SkillResponse) => void;
    const response = new Promise<SkillResponse>((r) => (resolve = r));

    /** Renders what is there now, keeps the rest, and answers the call with it. */
    const answerWith = async (activities: Partial<Activity>[]) => {
      answered = true;
      const rendered = renderFor(activities, language);
      const settled = taken;
      taken = [];
      await store.settle(userKey, settled, rendered.rest);
      resolve(rendered.response);
    };

    const timer = setTimeout(() => {
      if (answered) return;
      if (callbackUrl) {
        useCallback = true;
        answered = true;
        resolve({ version: '2.0', useCallback: true, data: { text: knowledge.text('kakao.wait', language) } });
        return;
      }
      collector.open = false;
      if (waiting.length || collector.replies.length) {
        answerWith([...waiting, ...collector.replies]).catch((error: unknown) => fail(error));
      } else {
        answered = true;
        resolve(textResponse(knowledge.text('kakao.still_working', language)));
      }
    }, replyBudgetMs);

    const work = async () => {
      // A call answered before its turn could start (a long queue) takes nothing: its replies wait.
      if (!answered || useCallback) {
        const rows = await takeWaiting(userKey);
        taken = rows.map((r) => r.id);
        waiting = rows.map((r) => r.activity);
      } else collector.open = false;
      if (runsTurn) {
        const queuedBefore = (await extras.handoff.openSession(conversationId))?.status === 'waiting';
        await adapter.process(incomingActivity(call), collector, async (context) => {
          await deps.runTurn(context);
          language = turnLanguage(context);
          await store.setLanguage(userKey, language);
          // Without the Event API, a seller who just joined the queue learns that replies come when they write.
          const queuedNow = (await extras.handoff.openSession(conversationId))?.status === 'waiting';
          if (!eventApi && queuedNow && !queuedBefore) await context.sendActivity(knowledge.text('kakao.replies_on_next_message', language));
        });
      }
      clearTimeout(timer);
      const all = [...waiting, ...collector.replies];
      if (!answered) {
        if (!runsTurn && all.length === 0) {
          answered = true;
          resolve(textResponse(knowledge.text('kakao.nothing_waiting', language)));
        } else await answerWith(all);
      } else if (useCallback) {
        // The whole answer goes to the callback URL, through the outbox (stored first, retried in its minute).
        await store.settle(userKey, taken, []);
        const address: KakaoAddress = { userKey, callbackUrl: callbackUrl!, calledAt };
        const activity: Partial<Activity> = { type: 'message', channelData: { kakaoCallback: { activities: all, language } } };
        await outbox.send([{ channel: KAKAO, conversationId, channelId: KAKAO, address, activity }], 0);
      }
    };
    function fail(error: unknown) {
      clearTimeout(timer);
      logger.error({ conversationId, err: (error as Error).message }, 'kakao: skill call failed');
      // The apology, unless an answer already went (a settle that failed after it still resolves nothing twice).
      answered = true;
      resolve(textResponse(knowledge.text('turn_error', language)));
    }
    turns.run(conversationKey(KAKAO, conversationId), work).catch(fail);
    return response;
  }

  return channel;
}

/** The turn's activity: conversation and seller `kakao:<botUserKey>`, the text, a pressed button's extra. */
function incomingActivity(call: SkillCall): Partial<Activity> {
  const id = kakaoConversationId(call.userKey);
  return {
    type: 'message',
    id: randomUUID(),
    channelId: KAKAO,
    conversation: { id } as Activity['conversation'],
    from: { id, name: '', role: 'user' },
    recipient: { id: call.botId ?? KAKAO, name: '', role: 'bot' },
    text: call.utterance,
    ...(call.clientExtra && Object.keys(call.clientExtra).length ? { value: call.clientExtra } : {}),
    // Korean unless the seller writes English (the bot reads the language from the text).
    locale: 'ko-KR',
    timestamp: new Date(),
    channelData: { kakao: { development: call.development, surface: call.surface, trigger: call.trigger } },
  };
}

function userKeyOf(conversationId: string | undefined): string {
  return conversationId?.startsWith(`${KAKAO}:`) ? conversationId.slice(KAKAO.length + 1) : '';
}

/**
 * Kakao's callback URLs are on its bot API host (`https://bot-api.kakao.com/v1/bots/…/callback/…`, seen in
 * code, not documented): one on KAKAO_API_URL's host or any https *.kakao.com host is used, anything else
 * ignored, so a leaked secret cannot make the bot post to arbitrary addresses.
 */
export function acceptableCallbackUrl(url: string | undefined, apiUrl: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) return undefined;
    if (apiUrl && parsed.origin === new URL(apiUrl).origin) return parsed.href;
    return parsed.protocol === 'https:' && (parsed.hostname === 'kakao.com' || parsed.hostname.endsWith('.kakao.com')) ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** The platform handoff (KAKAO_HANDOFF=platform): Kakao's own agent chat, with what the agent should know. */
export function operatorOffer(knowledge: Knowledge, language: Language, summary: string): Partial<Activity> {
  const button: CardAction = { type: OPERATOR_ACTION, title: knowledge.text('button.agent', language), value: 'operator' };
  const card = CardFactory.heroCard('', `${knowledge.text('kakao.operator_offer', language)}\n${knowledge.text('kakao.operator_summary', language, { summary })}`, [], [button]);
  return { type: 'message', attachments: [card] };
}
