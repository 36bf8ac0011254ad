// The built-in web chat as a channel (bot/channels/port.ts), in the same process as the bot. Its
// adapter is a plain botbuilder BotAdapter: a turn runs the shared middleware and the bot on the
// activity the Direct Line endpoint vouched for (directLine.ts), in the conversation's turn lock, and
// replies are appended to the conversation's feed, which wakes the page's long poll. Replies and
// proactive messages (agents, the hub) go through the outbox like any channel's (push = append), so
// their order and `delivered` are the same as on Bot Framework; typing indicators are appended at once.
// Its turns are not Bot Framework-authenticated (the channel vouches for them itself).
import {
  type Activity,
  BotAdapter,
  type ConversationReference,
  type ResourceResponse,
  TurnContext,
} from 'botbuilder';
import { type ChannelDeps, isDurable, sendDurably } from '../channels/middleware';
import { type Channel, DeliveryError } from '../channels/port';
import { setActivityClient } from '../clientAddress';
import { conversationKey } from '../coordination';
import { isPlainObject } from '../http';
import type { ActivityFeed } from './feed';
import type { WebChatRepo } from '../storage/ports';

/** The channel's name and the channelId of its activities. */
export const LOCAL_CHANNEL_ID = 'webchat';

export const WEBCHAT_BOT_NAME = '스마트스토어 고객센터';

interface WebChatAdapterDeps extends Pick<ChannelDeps, 'outbox' | 'logger'> {
  feed: ActivityFeed;
  store: WebChatRepo;
  bot: { id: string; name: string; role: 'bot' };
  timeoutMs: number;
  channel: () => Channel;
}

export class WebChatAdapter extends BotAdapter {
  constructor(private readonly deps: WebChatAdapterDeps) {
    super();
  }

  /** Runs a turn for an activity from the page (the caller holds the conversation's turn lock). */
  process(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    return this.runMiddleware(new TurnContext(this, activity), logic);
  }

  override continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: 'event', name: 'ContinueConversation' }, reference, true);
    return this.runMiddleware(new TurnContext(this, activity), logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    if (activities.length > 0 && activities.every(isDurable)) {
      return sendDurably(this.deps.channel(), context, activities, { outbox: this.deps.outbox, logger: this.deps.logger, timeoutMs: this.deps.timeoutMs });
    }
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (isDurable(activity)) responses.push(...(await this.sendActivities(context, [activity])));
      else if (activity.type === 'delay') {
        await new Promise((resolve) => setTimeout(resolve, typeof activity.value === 'number' ? activity.value : 1000));
        responses.push({ id: '' });
      } else if (activity.type === 'typing') responses.push({ id: (await this.append(context.activity.conversation.id, activity)) ?? '' });
      else responses.push({ id: '' }); // traces (the Emulator's) and invoke responses (the page sends no invoke)
    }
    return responses;
  }

  override updateActivity(): Promise<void> {
    return Promise.reject(new Error('the web chat does not update activities'));
  }

  override deleteActivity(): Promise<void> {
    return Promise.reject(new Error('the web chat does not delete activities'));
  }

  /** Appends an activity from the bot to the conversation's list; its id, or undefined when the conversation is unknown or ended. */
  async append(conversationId: string, outgoing: Partial<Activity>): Promise<string | undefined> {
    const activity: Record<string, unknown> = JSON.parse(JSON.stringify(outgoing)) as Record<string, unknown>;
    delete activity.serviceUrl;
    activity.channelId = LOCAL_CHANNEL_ID;
    activity.conversation = { id: conversationId };
    const from = isPlainObject(activity.from) ? activity.from : {};
    activity.from = { ...this.deps.bot, ...from, role: 'bot' };
    // Web Chat holds an activity whose replyToId it has not seen for 5 seconds, waiting for it: replies
    // to what never reaches the page (the join event, a proactive turn) must not point at it.
    if (typeof activity.replyToId !== 'string' || !(await this.deps.store.hasActivity(conversationId, activity.replyToId))) delete activity.replyToId;
    return (await this.deps.feed.append(conversationId, activity))?.activity.id as string | undefined;
  }
}

export interface WebChatChannel extends Channel {
  readonly adapter: WebChatAdapter;
  readonly bot: { id: string; name: string; role: 'bot' };
  /**
   * Runs the bot's turn for an activity from the page, in the conversation's turn lock. Resolves when
   * the turn is done; failures are logged (the shared onTurnError has already apologised).
   */
  runTurn(activity: Record<string, unknown> & { conversation: { id: string } }, client?: string): Promise<void>;
}

export function createWebChatChannel(deps: ChannelDeps, store: WebChatRepo, feed: ActivityFeed): WebChatChannel {
  const { config, logger, turns } = deps;
  const bot = { id: config.MicrosoftAppId || 'seller-support-bot', name: WEBCHAT_BOT_NAME, role: 'bot' as const };
  const adapter = new WebChatAdapter({ outbox: deps.outbox, logger, feed, store, bot, timeoutMs: config.CHANNEL_TIMEOUT_MS, channel: () => channel });
  const channel: WebChatChannel = {
    name: LOCAL_CHANNEL_ID,
    adapter,
    bot,
    // The feed is always there to append to (the page reads it when it comes back).
    reach: () => 'push',
    addressOf: (reference) => ({ conversationId: reference.conversation?.id ?? '' }),
    push: async (address, activity) => {
      const id = await adapter.append(String(address.conversationId ?? ''), activity);
      if (id === undefined) throw new DeliveryError('unknown or ended web chat conversation', true);
      return { id };
    },
    continueConversation: (reference, logic) => adapter.continueConversation(reference, logic),
    runTurn(activity, client) {
      const full = { ...activity, channelId: LOCAL_CHANNEL_ID } as unknown as Activity;
      if (client) setActivityClient(full, client);
      return turns.run(conversationKey(LOCAL_CHANNEL_ID, activity.conversation.id), () => adapter.process(full, deps.runTurn)).then(
        () => undefined,
        (error: unknown) => {
          logger.error({ conversationId: activity.conversation.id, err: (error as Error).message }, 'web chat turn failed');
        },
      );
    },
  };
  return channel;
}
