// Each topic's answer as texts, whole (the overview) or one facet of it: used by the one-message topic
// dialogs, by the flows that answer a facet before asking anything, and for each question of a message
// that asks several (where no topic may stop to ask its own question).
import type { TurnContext } from 'botbuilder';
import type { Intent } from '../intents/intentIds';
import { type Channel, type ChannelId, type FacetTexts, type LocalizedText, render } from '../knowledge';
import { sendWithAgentButton, text, withButtons } from './replies';
import type { BotServices, DialogConfig } from './services';
import { turnLanguage } from './turn';

const CONFIGURED_VALUE: Record<Exclude<ChannelId, 'chat'>, keyof DialogConfig> = {
  phone: 'SUPPORT_PHONE',
  email: 'SUPPORT_EMAIL',
  inquiry: 'SUPPORT_INQUIRY_URL',
};

type Services = Pick<BotServices, 'knowledge' | 'config' | 'handoff' | 'now'>;

/** The facet's text from knowledge/facets.json, if that topic has one by that name. */
export function facetText(services: Services, context: TurnContext, topic: Intent, facet: string | undefined): string | undefined {
  if (!facet) return undefined;
  const texts = (services.knowledge.facets as Partial<Record<Intent, Record<string, LocalizedText>>>)[topic] as FacetTexts[keyof FacetTexts] | undefined;
  const entry = texts ? (texts as Record<string, LocalizedText>)[facet] : undefined;
  return entry?.[turnLanguage(context)];
}

function whereToReach(services: Services, channel: Channel, context: TurnContext): string {
  const language = turnLanguage(context);
  // Chat with an agent is this very conversation.
  if (channel.id === 'chat') return text(context, services.knowledge, 'channels.chat_here');
  const value = services.config[CONFIGURED_VALUE[channel.id]];
  return typeof value === 'string' && value ? render(channel.withValue[language], { value }) : channel.whereToFind[language];
}

function describeChannel(services: Services, channel: Channel, context: TurnContext): string {
  const language = turnLanguage(context);
  return `• ${channel.name[language]} (${channel.typicalResponse[language]})\n  ${whereToReach(services, channel, context)}`;
}

export async function answerChannels(services: Services, context: TurnContext, facet: string | undefined, withAdvice = true): Promise<void> {
  const { knowledge } = services;
  const one = knowledge.channels.find((c) => c.id === facet);
  if (one) {
    await context.sendActivity(describeChannel(services, one, context));
    return;
  }
  const where = facetText(services, context, 'contact_channels', facet);
  if (where) {
    await context.sendActivity(where);
    return;
  }
  const lines = knowledge.channels.map((channel) => describeChannel(services, channel, context));
  await context.sendActivity([text(context, knowledge, 'channels.intro'), ...lines].join('\n'));
  if (withAdvice) await sendWithAgentButton(context, knowledge, 'channels.advice');
}

export async function answerWait(services: Services, context: TurnContext, facet: string | undefined): Promise<void> {
  const { knowledge, handoff } = services;
  const one = facetText(services, context, 'wait_time', facet);
  const parts = [one ?? text(context, knowledge, 'wait.answer')];
  const queue = await handoff.snapshot();
  if (queue.waiting > 0 && (!one || facet === 'chat')) {
    // "less than a minute" would promise more than the estimate can keep; with nobody online, no minutes at all.
    const minutes = Math.max(1, Math.round(queue.estimatedWaitMinutes));
    parts.push(
      queue.agentsOnline === 0
        ? text(context, knowledge, 'wait.queue_no_agents', { waiting: queue.waiting })
        : text(context, knowledge, 'wait.queue_now', { waiting: queue.waiting, wait: text(context, knowledge, 'handoff.wait_minutes', { minutes }) }),
    );
  }
  await context.sendActivity(parts.join('\n\n'));
}

export async function answerHours(services: Services, context: TurnContext, facet: string | undefined): Promise<void> {
  const { knowledge, config } = services;
  const hours = config.businessHours;
  const lines: string[] = [];
  const lead = facet === 'now' ? undefined : facetText(services, context, 'hours', facet);
  if (lead) lines.push(lead);
  const now = services.now();
  if (hours.alwaysOpen) {
    lines.push(text(context, knowledge, 'hours.always'));
    if (facet === 'now') lines.push(text(context, knowledge, 'hours.open_now'));
    await context.sendActivity(lines.join('\n'));
    return;
  }
  const language = turnLanguage(context);
  lines.push(text(context, knowledge, 'hours.schedule', { schedule: hours.describe(language) }));
  if (hours.isHoliday(now)) lines.push(text(context, knowledge, 'hours.holiday_today'));
  if (hours.isOpen(now)) lines.push(text(context, knowledge, 'hours.open_now'));
  else {
    const next = hours.describeNextOpening(now, language);
    if (next) lines.push(text(context, knowledge, 'hours.closed_now', { next }));
  }
  await context.sendActivity(lines.join('\n'));
}

/**
 * A topic's answer without any question of its own: the facet asked about, else the overview. Topics
 * whose flow asks something (deletion, problems, restore) give their first text only; a problem
 * without a facet offers the problem choices as buttons, which start that flow when pressed.
 */
export async function answerTopic(services: Services, context: TurnContext, topic: Intent, facet?: string): Promise<void> {
  const { knowledge } = services;
  const language = turnLanguage(context);
  switch (topic) {
    case 'hours':
      return answerHours(services, context, facet);
    case 'wait_time':
      return answerWait(services, context, facet);
    case 'contact_channels':
      return answerChannels(services, context, facet, false);
    case 'delete_problem': {
      const problem = knowledge.problems.find((p) => p.id === facet);
      if (problem) await context.sendActivity(problem.checks[language]);
      else await context.sendActivity(withButtons(text(context, knowledge, 'delete_problem.ask'), knowledge.problems.map((p) => p.label[language])));
      return;
    }
    default: {
      const one = facetText(services, context, topic, facet);
      if (one) {
        await context.sendActivity(one);
        return;
      }
      const overview: Partial<Record<Intent, Parameters<typeof text>[2][]>> = {
        delete_product: ['delete_product.steps'],
        restore_product: ['restore.policy'],
        customer_notice: ['notice.answer'],
        prepare_info: ['prepare.checklist'],
      };
      for (const key of overview[topic] ?? []) await context.sendActivity(text(context, knowledge, key));
    }
  }
}
