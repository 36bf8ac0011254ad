// The durable outbox (see outbox.ts) and what a turn learns about its own deliveries.
import type { TurnContext } from 'botbuilder';

export { type DeliveredEvent, type OutgoingActivity, Outbox, type OutboxOptions, type SendResult } from './outbox';

/** Turn state: how many activities sent in this turn are still waiting in the outbox. */
export const OUTBOX_UNDELIVERED = Symbol('outboxUndelivered');

/** Turn state: how many activities sent in this turn are held for the seller's next message (reach `next-message`). */
export const OUTBOX_HELD = Symbol('outboxHeld');

/** Activities this turn sent that the channel has not taken yet (they stay in the outbox and are retried). */
export function undeliveredIn(context: TurnContext): number {
  const n: unknown = context.turnState.get(OUTBOX_UNDELIVERED);
  return typeof n === 'number' ? n : 0;
}

/** Activities this turn sent that wait for the seller's next message (not a failure). */
export function heldIn(context: TurnContext): number {
  const n: unknown = context.turnState.get(OUTBOX_HELD);
  return typeof n === 'number' ? n : 0;
}
