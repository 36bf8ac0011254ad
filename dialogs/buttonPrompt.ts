// A prompt that offers a few buttons and accepts only them: a click (the label comes back as text),
// the label typed in either language, a short synonym ("네", "nope"), or a card's { choice } value.
// Texts are rendered when sent, so a re-prompt follows the seller if they switch language mid-flow.
import { type Activity, InputHints, type TurnContext } from 'botbuilder';
import { type DialogInstance, Prompt, type PromptOptions, type PromptRecognizerResult } from './dialogLibrary';
import { compact, normalizeText, wordsOnly } from '../intents/normalize';
import type { Knowledge, LocalizedText, ResponseKey } from '../knowledge';
import { withButtons } from './replies';
import { turnLanguage } from './turn';
import { type GenericChoice, bothLanguages, labelKey } from './understanding';

export interface ButtonChoice {
  value: string;
  label: LocalizedText;
  /** Whole answers that mean the same when typed instead of clicked. */
  synonyms?: string[];
}

export interface ButtonPromptOptions extends PromptOptions {
  textKey: ResponseKey;
  buttons: ButtonChoice[];
}

/** Reads a free-text answer as one of the choices (e.g. "오류가 떠요" → error); undefined if it is none. */
export type FreeTextMatcher = (text: string) => string | undefined;

interface PromptInstanceState {
  options: ButtonPromptOptions;
  state: object;
  reprompted?: boolean;
}

const YES_WORDS = ['네', '넵', '넹', '네네', '응', 'ㅇㅇ', '그래요', '좋아요', '부탁해요', '부탁드려요', 'yes', 'y', 'yeah', 'yep', 'yup', 'sure', 'ok', 'okay', 'please'];
const NO_WORDS = ['아니오', '아뇨', '아니', '아니에요', 'ㄴㄴ', 'no', 'n', 'nope', 'nah', 'no thanks', 'not really'];

/** Longer replies that start with "네" often go on to ask something else, so they are not taken as yes. */
const SHORT_REPLY_WORDS = 5;

const RECOGNIZED = Symbol('buttonPrompt.recognized');

export function genericChoice(knowledge: Knowledge, choice: GenericChoice): ButtonChoice {
  switch (choice) {
    case 'yes':
      return { value: 'yes', label: bothLanguages(knowledge, 'button.yes'), synonyms: YES_WORDS };
    case 'no':
      return { value: 'no', label: bothLanguages(knowledge, 'button.no'), synonyms: NO_WORDS };
    case 'agent':
      return { value: 'agent', label: bothLanguages(knowledge, 'button.agent') };
    case 'menu':
      return { value: 'menu', label: bothLanguages(knowledge, 'button.menu') };
  }
}

export function yesNo(knowledge: Knowledge): ButtonChoice[] {
  return [genericChoice(knowledge, 'yes'), genericChoice(knowledge, 'no')];
}

/**
 * Button labels, values and synonyms come from a small fixed set (knowledge and the word lists above),
 * so their keys are worked out once rather than for every button at every message.
 */
const choiceKeys = new Map<string, string>();
const MAX_CHOICE_KEYS = 1000;

function choiceKey(text: string): string {
  let key = choiceKeys.get(text);
  if (key === undefined) {
    key = labelKey(text);
    if (choiceKeys.size < MAX_CHOICE_KEYS) choiceKeys.set(text, key);
  }
  return key;
}

export function recognizeButton(activity: Partial<Activity>, buttons: ButtonChoice[], matchFreeText?: FreeTextMatcher): string | undefined {
  const values = buttons.map((b) => b.value);
  const value = activity.value as { choice?: unknown } | undefined;
  if (value && typeof value === 'object' && typeof value.choice === 'string' && values.includes(value.choice)) return value.choice;
  const text = activity.text?.trim() ?? '';
  if (!text) return undefined;
  const normalized = normalizeText(text);
  const key = compact(normalized);
  const exact = buttons.find((b) => [b.label.ko, b.label.en, b.value, ...(b.synonyms ?? [])].some((t) => choiceKey(t) === key));
  if (exact) return exact.value;
  // "No, it didn't work" / "네 해결됐어요": a short reply that opens with yes or no is that answer.
  const words = wordsOnly(normalized).split(' ');
  if (words.length <= SHORT_REPLY_WORDS) {
    const first = words[0];
    const opening = buttons.find((b) => b.synonyms?.length && [b.label.ko, b.label.en, ...b.synonyms].some((t) => choiceKey(t) === first));
    if (opening) return opening.value;
  }
  const free = matchFreeText?.(text);
  return free !== undefined && values.includes(free) ? free : undefined;
}

export class ButtonPrompt extends Prompt<string> {
  constructor(
    dialogId: string,
    private readonly knowledge: Knowledge,
    private readonly matchFreeText?: FreeTextMatcher,
  ) {
    super(dialogId);
  }

  protected override async onPrompt(context: TurnContext, _state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const { textKey, buttons } = options as ButtonPromptOptions;
    const language = turnLanguage(context);
    const message = withButtons(this.knowledge.text(isRetry ? 'reprompt' : textKey, language), buttons.map((b) => b.label[language]));
    await context.sendActivity({ ...message, inputHint: InputHints.ExpectingInput });
  }

  protected override async onRecognize(context: TurnContext, _state: object, options: PromptOptions): Promise<PromptRecognizerResult<string>> {
    const value = this.recognize(context, (options as ButtonPromptOptions).buttons);
    return value === undefined ? { succeeded: false } : { succeeded: true, value };
  }

  /** Asked before a topic switch or a re-prompt is considered: an answer to the question wins over both. */
  answers(context: TurnContext, instance: DialogInstance): boolean {
    const { options } = instance.state as PromptInstanceState;
    return this.recognize(context, options.buttons) !== undefined;
  }

  /** The button this turn's message picks; `answers` and then `onRecognize` ask about the same buttons, so it is worked out once. */
  private recognize(context: TurnContext, buttons: ButtonChoice[]): string | undefined {
    const last: { buttons: ButtonChoice[]; value: string | undefined } | undefined = context.turnState.get(RECOGNIZED);
    if (last?.buttons === buttons) return last.value;
    const value = recognizeButton(context.activity, buttons, this.matchFreeText);
    context.turnState.set(RECOGNIZED, { buttons, value });
    return value;
  }

  /** Re-asks with the "please use the buttons" text, once per question; false when that was already done. */
  async repromptOnce(context: TurnContext, instance: DialogInstance): Promise<boolean> {
    const state = instance.state as PromptInstanceState;
    if (state.reprompted) return false;
    state.reprompted = true;
    await this.onPrompt(context, state.state, state.options, true);
    return true;
  }
}
