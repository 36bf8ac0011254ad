// Sending knowledge texts in the conversation's language, alone or with buttons. Buttons are imBack
// actions whose value is the label itself, so a click reads exactly like the seller typing it.
import { type Activity, MessageFactory, type TurnContext } from 'botbuilder';
import type { Knowledge, ResponseKey, TemplateValues } from '../knowledge';
import type { Language } from '../knowledge/schema';
import { turnLanguage } from './turn';

export function text(context: TurnContext, knowledge: Knowledge, key: ResponseKey, values?: TemplateValues): string {
  return knowledge.text(key, turnLanguage(context), values);
}

export function withButtons(message: string, labels: string[]): Partial<Activity> {
  return MessageFactory.suggestedActions(labels, message);
}

export function topicMenuLabels(knowledge: Knowledge, language: Language): string[] {
  return knowledge.menu.map((entry) => entry.label[language]);
}

export function withTopicMenu(message: string, knowledge: Knowledge, language: Language): Partial<Activity> {
  return withButtons(message, topicMenuLabels(knowledge, language));
}

export async function sendText(context: TurnContext, knowledge: Knowledge, key: ResponseKey, values?: TemplateValues): Promise<void> {
  await context.sendActivity(text(context, knowledge, key, values));
}

/** The answer followed by the topic menu: where a flow ends or the seller needs a way back in. */
export async function sendWithMenu(context: TurnContext, knowledge: Knowledge, key: ResponseKey): Promise<void> {
  await context.sendActivity(withTopicMenu(text(context, knowledge, key), knowledge, turnLanguage(context)));
}

export async function sendWithAgentButton(context: TurnContext, knowledge: Knowledge, key: ResponseKey): Promise<void> {
  await context.sendActivity(withButtons(text(context, knowledge, key), [text(context, knowledge, 'button.agent')]));
}
