// Messages to a seller outside their turn (agent messages, queue updates, summaries), on the stored
// conversation reference and in order with the seller's own turns.
import type { Activity, ConversationReference, ResourceResponse } from 'botbuilder';
import type { BotAdapter } from '../adapter';
import type { Config } from '../config';
import { type ConversationQueue, conversationKey } from '../conversationQueue';
import type { ConversationReferences } from '../conversationReferences';
import type { Logger } from '../logger';
import { undeliveredIn } from '../outbox';
import type { Session } from './model';

export class SellerUnreachable extends Error {}

/** Where a proactive message goes: a conversation of one channel. */
export type Target = Pick<Session, 'conversationId' | 'channelId'>;

export interface DeliveryDeps {
  config: Config;
  logger: Logger;
  adapter: BotAdapter;
  references: ConversationReferences;
  /** Serialises proactive messages with the seller's own turns. */
  queue: ConversationQueue;
}

export class Delivery {
  constructor(private readonly deps: DeliveryDeps) {}

  /** Sends to a seller outside their turn. Throws SellerUnreachable when the channel does not take it. */
  async deliver(to: Target, activities: Partial<Activity>[], agent?: string): Promise<void> {
    const { conversationId, channelId } = to;
    const reference = this.deps.references.get(channelId, conversationId);
    if (!reference?.serviceUrl) throw new SellerUnreachable('no conversation reference with a serviceUrl');
    const send = async () => {
      let failure: unknown;
      let responses: ResourceResponse[] = [];
      let undelivered = 0;
      await this.deps.adapter.continueConversationAsync(this.deps.config.MicrosoftAppId, reference as ConversationReference, async (context) => {
        if (agent) {
          // Channels that show `from.name` (Web Chat) show the agent's name; the transcript marks the message as the agent's.
          context.onSendActivities(async (_ctx, outgoing, next) => {
            for (const a of outgoing) a.from = { ...a.from, id: a.from?.id ?? '', name: agent };
            return next();
          });
        }
        try {
          responses = await context.sendActivities(activities);
          undelivered = undeliveredIn(context); // the context is revoked once this callback returns
        } catch (error) {
          failure = error;
        }
      });
      if (failure) throw new SellerUnreachable((failure as Error).message ?? String(failure));
      // The adapter answers a channel time-out with no responses rather than an error.
      if (responses.length < activities.length) throw new SellerUnreachable('the channel did not answer in time');
      if (undelivered > 0) throw new SellerUnreachable('the channel did not take it yet (kept in the outbox, retried)');
    };
    await this.deps.queue.run(conversationKey(channelId, conversationId), send);
  }

  /** Like deliver, but logs instead of throwing; returns whether the seller got it. */
  async notify(to: Target, activities: Partial<Activity>[], what: string): Promise<boolean> {
    try {
      await this.deliver(to, activities);
      return true;
    } catch (error) {
      this.deps.logger.warn({ conversationId: to.conversationId, err: (error as Error).message }, `${what} not delivered`);
      return false;
    }
  }
}
