// The durable outbox (see outbox.ts) and what a turn learns about its own deliveries.
import type { TurnContext } from 'botbuilder';

export { channelConnectors } from './connectors';
export { type DeliveredEvent, type OutgoingActivity, Outbox, type OutboxOptions, type SendResult } from './outbox';

/** Turn state: how many activities sent in this turn are still waiting in the outbox. */
export const OUTBOX_UNDELIVERED = Symbol('outboxUndelivered');

/** Activities this turn sent that the channel has not taken yet (they stay in the outbox and are retried). */
export function undeliveredIn(context: TurnContext): number {
  const n: unknown = context.turnState.get(OUTBOX_UNDELIVERED);
  return typeof n === 'number' ? n : 0;
}
