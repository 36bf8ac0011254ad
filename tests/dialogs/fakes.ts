// Test doubles for what the dialogs need from the rest of the bot.
import type { TurnContext } from 'botbuilder';
import type { HandoffDetails, HandoffPort, HandoffReason } from '../../dialogs/services';

export interface RecordedHandoff {
  reason: HandoffReason;
  text?: string;
  conversationId?: string;
  topic?: string;
}

export type QueueSnapshot = Awaited<ReturnType<HandoffPort['snapshot']>>;

/** The reply the stub sends, so tests can see where in the conversation the handoff happened. */
export function handoffMarker(reason: HandoffReason): string {
  return `<handoff:${reason}>`;
}

/** Stands in for the handoff hub: records each request and answers with a fixed marker. */
export class FakeHandoff implements HandoffPort {
  readonly requests: RecordedHandoff[] = [];

  constructor(public queue: QueueSnapshot = { waiting: 0, estimatedWaitMinutes: 0, agentsOnline: 1 }) {}

  async request(context: TurnContext, reason: HandoffReason, details: HandoffDetails = {}): Promise<void> {
    this.requests.push({ reason, text: context.activity.text, conversationId: context.activity.conversation?.id, ...(details.topic ? { topic: details.topic } : {}) });
    await context.sendActivity(handoffMarker(reason));
  }

  async snapshot(): Promise<QueueSnapshot> {
    return this.queue;
  }
}
