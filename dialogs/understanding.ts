// What the seller's message means: a card/postBack value, a button label sent back as text (imBack),
// or else whatever the classifier says. Worked out once per turn and shared by every dialog.
import type { TurnContext } from 'botbuilder';
import type { IntentClassifier } from '../intents/classifier';
import { type Intent, isIntent } from '../intents/intentIds';
import { type Act, MessageReader, type OutOfScopeTopic, type Reading, type TopicContext } from '../intents/reading';
import { compact, normalizeText } from '../intents/normalize';
import type { Knowledge, LocalizedText, ResponseKey } from '../knowledge';
import { PROBLEM_IDS } from '../knowledge/schema';
import type { BotServices } from './services';
import { TURN_INTENT_KEY, previousTopic } from './turn';

/** Button answers that are not topics of their own; problem ids are choices too. */
export type GenericChoice = 'yes' | 'no' | 'agent' | 'menu';

export interface Understanding {
  intent: Intent;
  score: number;
  /** The button the seller pressed, when the message is one: yes, no, agent, menu or a problem id. */
  choice?: string;
  source: 'value' | 'button' | 'classifier';
  /** The part of the topic asked about ("hours" → "weekend"). */
  facet?: string;
  /** A seller-center topic the bot does not cover, named in the handoff. */
  oosTopic?: OutOfScopeTopic;
  act?: Act;
  /** Several questions in one message, in order. */
  parts?: Reading[];
  alternatives?: [Intent, Intent];
  nudge?: boolean;
}

interface LabelMeaning {
  intent: Intent;
  choice?: string;
}

const UNDERSTANDING = Symbol('turn.understanding');
const readers = new WeakMap<object, MessageReader>();

/** One reader per classifier: its cues are loaded once. */
export function readerFor(classifier: Pick<IntentClassifier, 'classify'>): MessageReader {
  let reader = readers.get(classifier);
  if (!reader) {
    reader = new MessageReader(classifier);
    readers.set(classifier, reader);
  }
  return reader;
}
const labelIndexes = new WeakMap<Knowledge, Map<string, LabelMeaning>>();

/** Buttons are matched the way the classifier's rules match commands: no case, spacing or punctuation. */
export function labelKey(text: string): string {
  return compact(normalizeText(text));
}

/** A response in both languages, as a button label is kept (so it can be shown in either). */
export function bothLanguages(knowledge: Knowledge, key: ResponseKey): LocalizedText {
  return { ko: knowledge.text(key, 'ko'), en: knowledge.text(key, 'en') };
}

function intentOfChoice(choice: string): Intent {
  if (choice === 'agent') return 'agent';
  if (choice === 'menu') return 'cancel';
  if ((PROBLEM_IDS as readonly string[]).includes(choice)) return 'delete_problem';
  return 'none';
}

// Built lazily per knowledge instance: labels are data, and a test may load its own copy.
function labelIndex(knowledge: Knowledge): Map<string, LabelMeaning> {
  const cached = labelIndexes.get(knowledge);
  if (cached) return cached;
  const index = new Map<string, LabelMeaning>();
  // First entry wins: "상담사 연결" is both the agent button and a menu label, meaning the same.
  const add = (label: LocalizedText, meaning: LabelMeaning) => {
    for (const text of [label.ko, label.en]) if (!index.has(labelKey(text))) index.set(labelKey(text), meaning);
  };
  const button = (key: ResponseKey) => bothLanguages(knowledge, key);
  add(button('button.agent'), { intent: 'agent', choice: 'agent' });
  add(button('button.yes'), { intent: 'none', choice: 'yes' });
  add(button('button.no'), { intent: 'none', choice: 'no' });
  add(button('button.menu'), { intent: 'cancel', choice: 'menu' });
  add(button('button.cancel'), { intent: 'cancel' });
  for (const entry of knowledge.menu) add(entry.label, { intent: entry.intent });
  for (const problem of knowledge.problems) add(problem.label, { intent: 'delete_problem', choice: problem.id });
  labelIndexes.set(knowledge, index);
  return index;
}

/** `{ "intent": "hours" }` or `{ "choice": "yes" }` from postBack, messageBack and card buttons. */
function fromValue(value: unknown): Understanding | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { intent, choice } = value as Record<string, unknown>;
  const knownIntent = typeof intent === 'string' && isIntent(intent) ? intent : undefined;
  if (typeof choice === 'string' && choice) return { intent: knownIntent ?? intentOfChoice(choice), score: 1, choice, source: 'value' };
  if (knownIntent) return { intent: knownIntent, score: 1, source: 'value' };
  return undefined;
}

export function understand(context: TurnContext, services: Pick<BotServices, 'classifier' | 'knowledge'>): Understanding {
  const cached: Understanding | undefined = context.turnState.get(UNDERSTANDING);
  if (cached) return cached;
  const text = context.activity.text?.trim() ?? '';
  const byValue = fromValue(context.activity.value);
  const byLabel = text ? labelIndex(services.knowledge).get(labelKey(text)) : undefined;
  let understanding: Understanding;
  if (byValue) understanding = byValue;
  else if (byLabel) understanding = { ...byLabel, score: 1, source: 'button' };
  else if (text) {
    const previous: TopicContext | undefined = previousTopic(context);
    const { intent, score, facet, oosTopic, act, parts, alternatives, nudge } = readerFor(services.classifier).read(text, previous);
    understanding = { intent, score, source: 'classifier', facet, oosTopic, act, parts, alternatives, nudge };
  } else understanding = { intent: 'none', score: 1, source: 'classifier' };
  context.turnState.set(UNDERSTANDING, understanding);
  context.turnState.set(TURN_INTENT_KEY, understanding.intent);
  return understanding;
}

/** True when the message carries something the dialogs can read: text, or a value they understand. */
export function hasReadableContent(context: TurnContext): boolean {
  return Boolean(context.activity.text?.trim()) || fromValue(context.activity.value) !== undefined;
}
