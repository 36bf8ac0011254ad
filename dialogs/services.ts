// What dialogs need from the rest of the bot, passed in so tests can supply their own.
import type { TurnContext } from 'botbuilder';
import type { IntentClassifier } from '../intents/classifier';
import type { Knowledge } from '../knowledge';
import type { BusinessHours } from '../knowledge/hours';

export type HandoffReason = 'requested' | 'no_match';

export interface HandoffDetails {
  /** A seller-center topic the bot does not cover (reason stays no_match): the seller is told who will help. */
  topic?: string;
}

/** The human-handoff side as the dialogs see it (the hub in bot/handoff implements it). */
export interface HandoffPort {
  /** Queues the seller for an agent (or explains why not, with the alternatives) and replies. */
  request(context: TurnContext, reason: HandoffReason, details?: HandoffDetails): Promise<void>;
  /** Sellers waiting now and the estimated wait for a newcomer, for the wait-time answer. */
  snapshot(): Promise<{ waiting: number; estimatedWaitMinutes: number; agentsOnline: number }>;
}

/** The operator's settings the dialogs read (bot/config.ts's Config provides them). */
export interface DialogConfig {
  SUPPORT_PHONE?: string;
  SUPPORT_EMAIL?: string;
  SUPPORT_INQUIRY_URL?: string;
  businessHours: BusinessHours;
  MAX_MESSAGE_LENGTH: number;
  FALLBACK_HANDOFF_AFTER: number;
}

export interface BotServices {
  classifier: IntentClassifier;
  knowledge: Knowledge;
  config: DialogConfig;
  handoff: HandoffPort;
  /** Injected so hours and waits can be tested at any time of day. */
  now: () => Date;
}
