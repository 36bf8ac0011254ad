// The Kakao channel's botbuilder adapter. Kakao is answered only inside its skill call, so a turn's replies
// are collected (not sent) while the call can still carry them; once its 5-second budget is spent without
// a callback URL, later replies wait for the seller's next call (the channel's store). Proactive turns
// (agents, the hub) send through the outbox like every channel's: rung with the Event API, or held until
// the seller writes.
import { type Activity, BotAdapter, type ConversationReference, type ResourceResponse, TurnContext } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import { type ChannelDeps, isDurable, sendDurably } from '../middleware';
import type { Channel } from '../port';

/** A skill call's replies, while the call is still open. */
export interface Collector {
  /** False once the call was answered without them (budget spent, no callback URL). */
  open: boolean;
  replies: Partial<Activity>[];
  /** Where replies go once the call is closed. */
  late(activities: Partial<Activity>[]): Promise<void>;
}

const COLLECTOR = Symbol('kakaoCollector');

interface KakaoAdapterDeps extends Pick<ChannelDeps, 'outbox' | 'logger'> {
  timeoutMs: number;
  channel: () => Channel;
}

export class KakaoAdapter extends BotAdapter {
  constructor(private readonly deps: KakaoAdapterDeps) {
    super();
  }

  /** Runs a skill call's turn (the caller holds the conversation's turn lock). */
  process(activity: Partial<Activity>, collector: Collector, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const context = new TurnContext(this, activity);
    context.turnState.set(COLLECTOR, collector);
    return this.runMiddleware(context, logic);
  }

  override continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: 'event', name: 'ContinueConversation' }, reference, true);
    return this.runMiddleware(new TurnContext(this, activity), logic);
  }

  // Kakao has no typing indicator and no delays: only messages are kept.
  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const durable = activities.filter(isDurable);
    const collector = context.turnState.get(COLLECTOR) as Collector | undefined;
    let ids: string[];
    if (collector) {
      const stamped = durable.map((a) => ({ ...a, id: a.id ?? randomUUID() }));
      if (collector.open) collector.replies.push(...stamped);
      else await collector.late(stamped);
      ids = stamped.map((a) => a.id);
    } else if (durable.length) {
      const { outbox, logger, timeoutMs } = this.deps;
      ids = (await sendDurably(this.deps.channel(), context, durable, { outbox, logger, timeoutMs })).map((r) => r.id);
    } else ids = [];
    return activities.map((a) => ({ id: isDurable(a) ? (ids.shift() ?? '') : '' }));
  }

  override updateActivity(): Promise<void> {
    return Promise.reject(new Error('Kakao cannot update a message'));
  }

  override deleteActivity(): Promise<void> {
    return Promise.reject(new Error('Kakao cannot delete a message'));
  }
}
