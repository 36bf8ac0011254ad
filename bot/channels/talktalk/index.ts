// Naver TalkTalk as a channel (bot/channels/port.ts): webhook events in (webhook.ts → the durable inbox →
// turns on TalkTalkAdapter), replies and proactive messages out through the durable outbox to the send
// API (push.ts). Every conversation can be pushed to: the send API has no time window. Set-up: README.md.
import type { Activity } from 'botbuilder';
import type { Knowledge } from '../../../knowledge';
import { conversationKey } from '../../coordination';
import { type ChannelDeps, sendDurably } from '../middleware';
import { type Channel, DeliveryError } from '../port';
import type { TalkTalkEventRow, TalkTalkRepo } from '../../storage/ports';
import { PROACTIVE, TalkTalkAdapter } from './adapter';
import { incomingEventSchema } from './contract';
import { PartnerHandover } from './handover';
import { TalkTalkInbox } from './inbox';
import { CHANNEL_ID, HANDOVER_BACK, toInbound, userOf } from './mapping';
import { NOTIFY, TalkTalkPush } from './push';
import { SendApiFailure, TalkTalkSendApi } from './sendApi';
import { registerWebhook } from './webhook';

export { CHANNEL_ID as TALKTALK } from './mapping';

export interface TalkTalkChannel extends Channel {
  readonly adapter: TalkTalkAdapter;
  readonly store: TalkTalkRepo;
  /** Send-API failures by resultCode. */
  readonly sendFailures: ReadonlyMap<string, number>;
  /** Resolves once no stored event is being processed (tests, shutdown). */
  idle(): Promise<void>;
}

export function createTalkTalkChannel(deps: ChannelDeps, extra: { knowledge: Knowledge }): TalkTalkChannel {
  const { config, logger, turns, rateLimits, runTurn, outbox, stores } = deps;
  const { knowledge } = extra;
  const store = stores.talkTalk;
  const api = new TalkTalkSendApi({ url: config.TALKTALK_API_URL, authKey: config.TALKTALK_AUTH_KEY ?? '', logger });
  // Handover requests name the partner: configured, or the one TalkTalk's own events carry.
  let partnerSeen: string | undefined;
  const pusher = new TalkTalkPush({
    api,
    logger,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    partner: () => config.TALKTALK_PARTNER_ID ?? partnerSeen,
    fallbackText: knowledge.text('turn_error', 'ko'),
  });
  const handover = new PartnerHandover({ store, knowledge, logger });
  const adapter = new TalkTalkAdapter();
  const platform = config.TALKTALK_HANDOFF === 'platform';

  const runEvent = async (row: TalkTalkEventRow): Promise<void> => {
    const event = incomingEventSchema.parse(JSON.parse(row.event));
    const inbound = toInbound(event, row.id, new Date(row.receivedAt));
    if (inbound.kind === 'ignore') return;
    await adapter.process(inbound.activity, async (context) => {
      const activity = context.activity;
      if (activity.type === 'event' && activity.name === HANDOVER_BACK) {
        if (platform) await handover.agentsFinished(context, (activity.value as { managerNickname?: string } | undefined)?.managerNickname);
        return;
      }
      if (platform && (await handover.takeBackOnEndButton(context))) return;
      await runTurn(context);
    });
  };
  const inbox = new TalkTalkInbox({
    store,
    logger,
    turns: { run: (conversationId, work) => turns.run(conversationKey(CHANNEL_ID, conversationId), work) },
    process: runEvent,
  });

  const channel: TalkTalkChannel = {
    platformHandoff: platform ? (context, transfer) => handover.pass(context, transfer) : undefined,
    name: CHANNEL_ID,
    adapter,
    store,
    sendFailures: api.failures,
    reach: () => 'push',
    addressOf: (reference) => ({ user: reference.user?.id || userOf(reference.conversation?.id ?? '') || '' }),
    async push(address, activity, signal) {
      const user = address.user;
      if (typeof user !== 'string' || !user) throw new DeliveryError('no TalkTalk user in the address', true);
      try {
        await pusher.push(user, activity, signal);
      } catch (error) {
        if (error instanceof SendApiFailure) throw new DeliveryError(error.message, error.permanent);
        throw error;
      }
      return {};
    },
    continueConversation: (reference, logic) => adapter.continueConversation(reference, logic),
    registerRoutes: (server) =>
      registerWebhook(server, {
        token: config.TALKTALK_WEBHOOK_TOKEN ?? '',
        allowedIps: config.TALKTALK_ALLOWED_IPS,
        trustedProxies: config.TRUSTED_PROXIES,
        bodyLimitBytes: config.BODY_LIMIT_BYTES,
        perConversation: rateLimits.limit('talktalk-events-per-conversation', { limit: config.RATE_LIMIT_PER_MINUTE, windowMs: 60_000 }),
        logger,
        inbox,
        pendingCount: (conversationId) => store.pendingCount(conversationId),
        onPartner: (partner) => {
          partnerSeen = partner;
        },
      }),
    start: () => {
      inbox.start().catch((error: unknown) => logger.error({ channelId: CHANNEL_ID, err: (error as Error).message }, 'talktalk: stored events not resumed'));
    },
    close: () => inbox.close(),
    idle: () => inbox.idle(),
  };

  adapter.deliver = (context, activities) => {
    // Bot-initiated (an agent's message, a notice): a push to the Naver app, as Naver recommends.
    const marked: Partial<Activity>[] = context.turnState.get(PROACTIVE)
      ? activities.map((a) => ({ ...a, channelData: { ...(a.channelData as object | undefined), [NOTIFY]: true } }))
      : activities;
    return sendDurably(channel, context, marked, { outbox, logger, timeoutMs: config.CHANNEL_TIMEOUT_MS });
  };
  return channel;
}

