// TalkTalk's botbuilder adapter: turns run on it with the shared middleware; everything a turn or a
// proactive message sends goes to `deliver` (the durable outbox, then the send API). TalkTalk cannot edit
// or delete a sent message; typing indicators and traces are not sent.
import { type Activity, BotAdapter, type ConversationReference, type ResourceResponse, TurnContext } from 'botbuilder';

/** Turn state: the turn is proactive (an agent message, a notice), not the answer to the seller's event. */
export const PROACTIVE = Symbol('talktalkProactive');

export type Deliver = (context: TurnContext, activities: Partial<Activity>[]) => Promise<ResourceResponse[]>;

const NOT_SENT = new Set(['typing', 'delay', 'trace', 'invokeResponse']);

export class TalkTalkAdapter extends BotAdapter {
  /** Set once the channel is wired (the outbox needs the channel, the channel its adapter). */
  deliver?: Deliver;

  /** Runs the turn of an incoming activity through the middleware. */
  async process(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const context = new TurnContext(this, activity);
    await this.runMiddleware(context, logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const sendable = activities.filter((a) => !NOT_SENT.has(a.type ?? 'message'));
    if (!sendable.length) return activities.map(() => ({ id: '' }));
    if (!this.deliver) throw new Error('the TalkTalk channel is not wired to the outbox');
    const responses = await this.deliver(context, sendable);
    // One response per activity asked for, in order.
    let next = 0;
    return activities.map((a) => (NOT_SENT.has(a.type ?? 'message') ? { id: '' } : (responses[next++] ?? { id: '' })));
  }

  override async updateActivity(): Promise<void> {
    throw new Error('TalkTalk cannot edit a sent message');
  }

  override async deleteActivity(): Promise<void> {
    throw new Error('TalkTalk cannot delete a sent message');
  }

  override async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: 'event', name: 'continueConversation' }, reference, true);
    const context = new TurnContext(this, activity);
    context.turnState.set(PROACTIVE, true);
    await this.runMiddleware(context, logic);
  }
}
