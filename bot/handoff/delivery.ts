// Messages to a seller outside their turn (agent messages, queue updates, summaries), on the stored
// conversation reference through the channel that owns it, in order with the seller's own turns.
import type { Activity, ResourceResponse } from 'botbuilder';
import type { Channels } from '../channels';
import { type TurnLock, conversationKey } from '../coordination';
import type { Logger } from '../logger';
import { heldIn, undeliveredIn } from '../outbox';
import type { Session } from './model';

export class SellerUnreachable extends Error {}

/** Where a proactive message goes: a conversation of one channel. */
export type Target = Pick<Session, 'conversationId' | 'channelId'>;

/**
 * `delivered`: the channel took it. `held`: the channel can only answer the seller's next message
 * (reach `next-message`); kept in the outbox until the seller writes.
 */
export type DeliveryOutcome = 'delivered' | 'held';

export interface DeliveryDeps {
  logger: Logger;
  channels: Channels;
  /** Serialises proactive messages with the seller's own turns. */
  turns: TurnLock;
}

export class Delivery {
  constructor(private readonly deps: DeliveryDeps) {}

  /** Sends to a seller outside their turn. Throws SellerUnreachable when the channel does not take it. */
  async deliver(to: Target, activities: Partial<Activity>[], agent?: string): Promise<DeliveryOutcome> {
    const { conversationId, channelId } = to;
    const owner = await this.deps.channels.owner(channelId, conversationId);
    if (!owner) throw new SellerUnreachable('no conversation reference (or its channel is off)');
    if (owner.channel.reach(owner.reference) === 'none') throw new SellerUnreachable('the channel cannot reach this conversation after its turn');
    const send = async (): Promise<DeliveryOutcome> => {
      let failure: unknown;
      let responses: ResourceResponse[] = [];
      let undelivered = 0;
      let held = 0;
      await owner.channel.continueConversation(owner.reference, async (context) => {
        if (agent) {
          // Channels that show `from.name` (Web Chat) show the agent's name; the transcript marks the message as the agent's.
          context.onSendActivities(async (_ctx, outgoing, next) => {
            for (const a of outgoing) a.from = { ...a.from, id: a.from?.id ?? '', name: agent };
            return next();
          });
        }
        try {
          responses = await context.sendActivities(activities);
          // The context is revoked once this callback returns.
          undelivered = undeliveredIn(context);
          held = heldIn(context);
        } catch (error) {
          failure = error;
        }
      });
      if (failure) throw new SellerUnreachable((failure as Error).message ?? String(failure));
      // The Bot Framework adapter answers a channel time-out with no responses rather than an error.
      if (responses.length < activities.length) throw new SellerUnreachable('the channel did not answer in time');
      if (undelivered > 0) throw new SellerUnreachable('the channel did not take it yet (kept in the outbox, retried)');
      return held > 0 ? 'held' : 'delivered';
    };
    return this.deps.turns.run(conversationKey(channelId, conversationId), send);
  }

  /** Like deliver, but logs instead of throwing; returns whether the seller got it (held counts as not yet). */
  async notify(to: Target, activities: Partial<Activity>[], what: string): Promise<boolean> {
    try {
      return (await this.deliver(to, activities)) === 'delivered';
    } catch (error) {
      this.deps.logger.warn({ conversationId: to.conversationId, err: (error as Error).message }, `${what} not delivered`);
      return false;
    }
  }
}
