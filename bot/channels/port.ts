// The channel port: what every messenger (Bot Framework, the built-in web chat, Kakao, TalkTalk)
// implements. A channel turns its incoming requests into turns on its own botbuilder adapter (with the
// shared middleware, see middleware.ts, under the per-conversation lock), answers within the turn, and
// delivers later through `push` where its platform can. How a conversation can be reached later is
// decided per conversation reference (`reach`), never by looking at Bot Framework fields.
import type { Activity, BotAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { Server } from 'restify';

/**
 * How a conversation can be reached outside its own turns: `push` (deliver now), `next-message` (only in
 * the answer to the seller's next message: the outbox holds what is sent until then), `none` (never).
 */
/** What a platform's own agents are handed with a seller (Channel.platformHandoff). */
export interface PlatformTransfer {
  caseNumber: string;
  language: 'ko' | 'en';
  summary: string;
}

export type Reach = 'push' | 'next-message' | 'none';

/** Where the channel delivers a conversation's activities: opaque JSON the outbox stores with each row. */
export type ChannelAddress = Record<string, unknown>;

export interface Channel {
  /** Stored with conversation references and outbox rows: never rename one that has data. */
  readonly name: string;
  /** The turns of this channel run on it; the shared middleware is installed on it (middleware.ts). */
  readonly adapter: BotAdapter;
  reach(reference: Partial<ConversationReference>): Reach;
  /** The address the outbox stores for activities sent to this conversation. */
  addressOf(reference: Partial<ConversationReference>): ChannelAddress;
  /**
   * Delivers one activity (the outbox's attempt; `activity.id` is stable across retries). Throw a
   * DeliveryError with `permanent: true` when a retry cannot help; any other error is retried.
   */
  push(address: ChannelAddress, activity: Partial<Activity>, signal: AbortSignal): Promise<{ id?: string }>;
  /** Runs `logic` in a proactive turn (through the shared middleware) on a stored reference. */
  continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
  /**
   * For channels whose unauthenticated senders choose the address (Bot Framework's serviceUrl): where it
   * points. An untrusted turn may not move a conversation to another origin, and in local mode the
   * undelivered outbox rows of one origin share OUTBOX_MAX_PENDING_PER_ORIGIN. Others leave it out.
   */
  originOf?(address: ChannelAddress): string | undefined;
  /** Whether the turn's sender is vouched for (default: yes, the channel's own endpoint authenticated it). */
  trusted?(context: TurnContext): boolean;
  /**
   * Set when the platform's own agents take handoffs (KakaoTalk's 상담직원 연결, TalkTalk's partner
   * center): hands the seller over, inside their turn, with the case and the summary for the agent. The hub
   * records the request as transferred (closed by `platform`) first and never queues it.
   */
  platformHandoff?(context: TurnContext, transfer: PlatformTransfer): Promise<void>;
  registerRoutes?(server: Server): void;
  start?(): void;
  /** Stops taking requests (long polls, timers); the outbox and the turn queue are drained by the app. */
  close?(): Promise<void> | void;
}

/** A delivery the channel refused; `permanent` when sending it again cannot succeed (gone, forbidden). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

const TURN_CHANNEL = Symbol('turnChannel');

/** Set by the shared middleware: the channel a turn (incoming or proactive) runs on. */
export function setTurnChannel(context: TurnContext, channel: Channel): void {
  context.turnState.set(TURN_CHANNEL, channel);
}

export function turnChannel(context: TurnContext): Channel | undefined {
  return context.turnState.get(TURN_CHANNEL) as Channel | undefined;
}
