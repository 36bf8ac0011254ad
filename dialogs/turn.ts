// Facts about the current turn that several dialogs need, kept in turnState so that each is worked
// out once per turn (the classifier is the expensive one) and every dialog sees the same answer.
import type { TurnContext } from 'botbuilder';
import { languageFromLocale } from './language';
import { isNoise } from '../intents/noise';
import type { Intent } from '../intents/intentIds';
import type { Language } from '../knowledge/schema';

/** String keys because the host reads them too (the error apology's language, the turn log's intent). */
export const TURN_LANGUAGE_KEY = 'conversationLanguage';
export const TURN_INTENT_KEY = 'intent';
const LANGUAGE = TURN_LANGUAGE_KEY;
const INTERRUPTION_CHECKED = Symbol('turn.interruptionChecked');
const WELCOMED = Symbol('turn.welcomed');
const NOISE = Symbol('turn.noise');
const PREVIOUS_TOPIC = Symbol('turn.previousTopic');

/** Set by the bot from the conversation's stored language; dialogs only read it. */
export function setTurnLanguage(context: TurnContext, language: Language): void {
  context.turnState.set(LANGUAGE, language);
}

export function turnLanguage(context: TurnContext): Language {
  const language: Language | undefined = context.turnState.get(LANGUAGE);
  // Dialogs run without the bot (tests, other hosts) answer in the client's locale.
  return language ?? languageFromLocale(context.activity.locale);
}

/** The outermost topic dialog claims the message first, so nested ones must not handle it again. */
export function claimInterruptionCheck(context: TurnContext): boolean {
  if (context.turnState.get(INTERRUPTION_CHECKED)) return false;
  context.turnState.set(INTERRUPTION_CHECKED, true);
  return true;
}

/** The welcome already greeted the seller this turn, so a plain "hello" needs no second greeting. */
export function markWelcomed(context: TurnContext): void {
  context.turnState.set(WELCOMED, true);
}

export function welcomedThisTurn(context: TurnContext): boolean {
  return context.turnState.get(WELCOMED) === true;
}

/** Whether the message says nothing (mashing, "ok", emoji): asked by the bot and by the router, worked out once. */
export function isNoiseTurn(context: TurnContext): boolean {
  let noise: boolean | undefined = context.turnState.get(NOISE);
  if (noise === undefined) {
    noise = isNoise(context.activity.text?.trim() ?? '');
    context.turnState.set(NOISE, noise);
  }
  return noise;
}

/** What a turn did, for the turn log and the conversation evaluation: topics answered (in order) and an act. */
export interface TurnOutcome {
  /** "topic" for an overview, "topic.facet" for one part of it. */
  answers: string[];
  act?: string;
}

const OUTCOME = Symbol('turn.outcome');

export function turnOutcome(context: TurnContext): TurnOutcome {
  let outcome: TurnOutcome | undefined = context.turnState.get(OUTCOME);
  if (!outcome) {
    outcome = { answers: [] };
    context.turnState.set(OUTCOME, outcome);
  }
  return outcome;
}

/** A facet of the topic just answered refines that answer rather than adding a second one. */
export function recordAnswer(context: TurnContext, topic: string, facet?: string): void {
  const { answers } = turnOutcome(context);
  const answer = facet ? `${topic}.${facet}` : topic;
  const last = answers[answers.length - 1];
  if (last === answer) return;
  if (facet && last === topic) answers[answers.length - 1] = answer;
  else answers.push(answer);
}

export function recordAct(context: TurnContext, act: string): void {
  turnOutcome(context).act = act;
}

/** The topic (and facet) the conversation was on before this message, from conversation state. */
export function setPreviousTopic(context: TurnContext, topic: { topic: Intent; facet?: string } | undefined): void {
  context.turnState.set(PREVIOUS_TOPIC, topic);
}

export function previousTopic(context: TurnContext): { topic: Intent; facet?: string } | undefined {
  return context.turnState.get(PREVIOUS_TOPIC);
}

/** The topic this turn leaves the conversation on: its last answer, if it answered one. */
export function topicAfterTurn(context: TurnContext): { topic: Intent; facet?: string } | undefined {
  const last = turnOutcome(context).answers.at(-1);
  if (!last) return undefined;
  const [topic, facet] = last.split('.') as [Intent, string | undefined];
  return facet ? { topic, facet } : { topic };
}

const QUEUED = 'sellerIsQueued';

/** The handoff hub lets a queued seller's question through to the dialogs: they already wait for an agent. */
export function markQueuedTurn(context: TurnContext): void {
  context.turnState.set(QUEUED, true);
}

/** Whether the seller asking is already in the queue, so offering them an agent would make no sense. */
export function isQueuedTurn(context: TurnContext): boolean {
  return context.turnState.get(QUEUED) === true;
}
