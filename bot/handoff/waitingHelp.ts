// While a seller waits for an agent: what the queue message says (one message, with a 대기 취소 button
// and how to leave), natural ordinals, and which messages the bot still answers — an in-scope question
// is answered and the seller keeps their place; details for the agent (product number, what happened,
// screenshots) are only relayed.
import type { Activity } from 'botbuilder';
import type { IntentClassifier } from '../../intents/classifier';
import type { Intent } from '../../intents/intentIds';
import { asksSomething } from '../../intents/questionForm';
import { readerFor } from '../../dialogs/understanding';
import type { Knowledge, Language } from '../../knowledge';
import { extractProductNumber } from './summary';

const KOREAN_ORDINALS = ['첫', '두', '세', '네', '다섯', '여섯', '일곱', '여덟', '아홉', '열'];

/** "첫 번째", "두 번째", …, "11번째"; "1st", "2nd", "3rd", "4th", "11th", "22nd". */
export function ordinal(n: number, language: Language): string {
  if (language === 'ko') return n >= 1 && n <= KOREAN_ORDINALS.length ? `${KOREAN_ORDINALS[n - 1]} 번째` : `${n}번째`;
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

export interface QueuedMessageInput {
  position: number;
  /** Minutes to show; left out when nobody is online, where any estimate would be contradicted. */
  waitText?: string;
  /** The other channels, one per line, shown when nobody is online. */
  alternatives?: string;
}

/** The one message a seller gets when queued: place, wait or why it may take long, what to send, how to leave. */
export function queuedMessage(knowledge: Knowledge, language: Language, input: QueuedMessageInput): Partial<Activity> {
  const position = ordinal(input.position, language);
  const head =
    input.waitText === undefined
      ? [knowledge.text('handoff.queued_no_agents', language, { position }), input.alternatives].filter(Boolean).join('\n')
      : knowledge.text('handoff.queued', language, { position, wait: input.waitText });
  return withLeaveButton(knowledge, language, [head, knowledge.text('handoff.invite_details', language), knowledge.text('handoff.leave_hint', language)].join('\n\n'));
}

export function withLeaveButton(knowledge: Knowledge, language: Language, text: string): Partial<Activity> {
  const label = knowledge.text('button.leave_queue', language);
  return {
    type: 'message',
    text,
    suggestedActions: { to: [], actions: [{ type: 'imBack', title: label, value: label }] },
  };
}

/** Topics a waiting seller may still ask the bot about. */
const HELP_TOPICS = new Set<Intent>(['delete_product', 'delete_problem', 'restore_product', 'customer_notice', 'prepare_info', 'contact_channels', 'wait_time', 'hours']);
const HELP_CONFIDENCE = 0.6;

/**
 * Whether a waiting seller's message is a question the bot can answer itself. A product number or a
 * file marks details for the agent ("상품번호 …인데 오류가 나요"), which are relayed, not answered.
 */
export function isQuestionForTheBot(classifier: Pick<IntentClassifier, 'classify'>, text: string, attachments: number): boolean {
  const trimmed = text.trim();
  if (!trimmed || attachments > 0 || extractProductNumber(trimmed) || /\d{5,}/.test(trimmed)) return false;
  if (!asksSomething(trimmed)) return false;
  // Read as the dialogs will read it (facets, negation, several questions), not by the bare classifier.
  const { intent, score, facet, parts } = readerFor(classifier).read(trimmed);
  return HELP_TOPICS.has(intent) && (score >= HELP_CONFIDENCE || facet !== undefined || parts !== undefined);
}
