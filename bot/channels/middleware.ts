// What every channel shares: the turn middleware (installed on each channel's adapter by one function,
// so every messenger behaves the same) and the durable send through the outbox.
import { type Activity, type MiddlewareHandler, type ResourceResponse, TurnContext } from 'botbuilder';
import type { Knowledge } from '../../knowledge';
import type { Config } from '../config';
import { type EventBus, type RateLimits, type TurnLock, conversationKey } from '../coordination';
import type { Logger } from '../logger';
import { TEXT_WAS_CUT, cutLongText } from '../longText';
import { OUTBOX_HELD, OUTBOX_UNDELIVERED, type Outbox, heldIn, undeliveredIn } from '../outbox';
import type { ReferenceRepo, Stores, TranscriptRepo, UnitOfWork } from '../storage/ports';
import { TurnTranscriptLogger } from '../storage/transcriptLogger';
import { type Channel, type ChannelAddress, setTurnChannel } from './port';

/** What a channel's factory gets from the app. */
export interface ChannelDeps {
  config: Config;
  logger: Logger;
  /** The per-conversation turn lock: every turn runs in `turns.run(conversationKey(channelId, id), …)`. */
  turns: TurnLock;
  /** Fan-out between instances (the web chat wakes its long polls on it). */
  events: EventBus;
  /** Limits per address, conversation and token. */
  rateLimits: RateLimits;
  /** The bot's turn (SellerBot), for the channel's adapter to run after the shared middleware. */
  runTurn: (context: TurnContext) => Promise<void>;
  outbox: Outbox;
  /** Everything durable (bot/storage/ports.ts): a channel keeps its own state through these, never a database handle. */
  stores: Stores;
  now: () => Date;
}

export interface TurnMiddlewareDeps {
  config: Config;
  logger: Logger;
  knowledge: Knowledge;
  transcripts: TranscriptRepo;
  /** Each turn's store calls share one unit of work (bot/storage/unitOfWork.ts). */
  unitOfWork: UnitOfWork;
  references: ReferenceRepo;
  /** The handoff hub's seller side (runs last, before the bot). */
  seller: MiddlewareHandler;
  /** The conversation's language for the apology when a turn fails. */
  languageOf: (context: TurnContext) => 'ko' | 'en';
}

/** Long-text cut, conversation reference (with the owning channel), transcript, handoff; the turn-error apology. */
export function installTurnMiddleware(channel: Channel, deps: TurnMiddlewareDeps): void {
  const { adapter } = channel;
  const { config, logger } = deps;
  adapter.use((context, next) => deps.unitOfWork.run(conversationKey(context.activity.channelId, context.activity.conversation?.id ?? ''), next));
  adapter.use(async (context, next) => {
    setTurnChannel(context, channel);
    // Nothing after this (transcript, handoff hub, dialogs) reads more of a message than
    // MAX_MESSAGE_LENGTH characters; the bot tells the seller it was cut.
    if (cutLongText(context.activity, config.MAX_MESSAGE_LENGTH)) context.turnState.set(TEXT_WAS_CUT, true);
    await next();
  });
  adapter.use(async (context, next) => {
    if (context.activity.type === 'message' || context.activity.type === 'conversationUpdate') {
      const reference = TurnContext.getConversationReference(context.activity);
      const trusted = channel.trusted?.(context) ?? true;
      const origin = channel.originOf?.(channel.addressOf(reference)) ?? '';
      if (!(await deps.references.save(reference, { trusted, channel: channel.name, origin }))) {
        // Someone else is trying to take the conversation (its replies would go to their address).
        logger.warn({ conversationId: context.activity.conversation?.id, channelId: context.activity.channelId }, 'turn refused: unauthenticated address change');
        return;
      }
    }
    await next();
  });
  adapter.use(new TurnTranscriptLogger(deps.transcripts, logger));
  adapter.use(deps.seller);
  adapter.onTurnError = async (context, error) => {
    logger.error(
      { conversationId: context.activity.conversation?.id, activityType: context.activity.type, err: { message: error.message, stack: error.stack } },
      'turn failed',
    );
    try {
      await context.sendActivity(deps.knowledge.text('turn_error', deps.languageOf(context)));
    } catch (sendError) {
      logger.warn({ err: (sendError as Error).message }, 'could not apologise for a failed turn');
    }
  };
}

/** Whether the turn's activity came through Bot Framework authentication (never the local, open path). */
export function isAuthenticatedTurn(context: TurnContext, config: Pick<Config, 'localMode'>): boolean {
  if (config.localMode) return false;
  const identity = context.turnState.get(context.adapter.BotIdentityKey) as { isAuthenticated?: boolean; authenticationType?: unknown } | undefined;
  return Boolean(identity?.isAuthenticated) && identity?.authenticationType !== 'anonymous';
}

/** Worth keeping and retrying: not typing indicators, delays, traces or invoke responses. */
export function isDurable(activity: Partial<Activity>): boolean {
  return !['typing', 'delay', 'trace', 'invokeResponse'].includes(activity.type ?? 'message');
}

/**
 * A channel adapter's sendActivities for durable activities: stored in the outbox first, then delivered
 * in order per conversation; what the channel does not take within `timeoutMs` stays stored and is
 * retried, so a slow or dead channel never fails or holds the turn. For a conversation of reach
 * `next-message` they are held for the seller's next turn. Undelivered (and held) activities get their
 * outbox id as response id, and are counted in the turn state (undeliveredIn, heldIn).
 */
export async function sendDurably(
  channel: Channel,
  context: TurnContext,
  activities: Partial<Activity>[],
  deps: { outbox: Outbox; logger: Logger; timeoutMs: number },
  address: ChannelAddress = channel.addressOf(TurnContext.getConversationReference(context.activity)),
): Promise<ResourceResponse[]> {
  const hold = channel.reach(TurnContext.getConversationReference(context.activity)) === 'next-message';
  // Once one send of this turn found the channel not answering, the turn's later sends are only stored
  // (behind it, in order): a turn never waits more than one timeout for a dead channel.
  const alreadyUndelivered = undeliveredIn(context) > 0;
  const results = await deps.outbox.send(
    activities.map((activity) => ({
      channel: channel.name,
      conversationId: activity.conversation?.id ?? context.activity.conversation.id,
      channelId: activity.channelId ?? context.activity.channelId,
      address,
      hold,
      activity,
    })),
    deps.timeoutMs,
    { attempt: !alreadyUndelivered && !hold },
  );
  const held = results.filter((r) => r.held).length;
  if (held > 0) context.turnState.set(OUTBOX_HELD, heldIn(context) + held);
  const undelivered = results.filter((r) => !r.delivered && !r.held).length;
  if (undelivered > 0) {
    context.turnState.set(OUTBOX_UNDELIVERED, undeliveredIn(context) + undelivered);
    deps.logger.warn({ conversationId: context.activity.conversation?.id, undelivered }, 'reply not delivered yet (kept in the outbox)');
  }
  return results.map((r) => ({ id: r.delivered && r.response?.id ? r.response.id : r.activityId }));
}
