// "How do I reach the customer center?": every channel with its usual response time and where to
// find it. Numbers and addresses come only from configuration; without them the seller is told
// where to look, never given an invented one.
import type { TurnContext } from 'botbuilder';
import { type Channel, type ChannelId, render } from '../knowledge';
import { AnswerDialog } from './answerDialog';
import { sendWithAgentButton, text } from './replies';
import type { BotServices, DialogConfig } from './services';
import { turnLanguage } from './turn';

export const CONTACT_CHANNELS_DIALOG = 'contactChannelsDialog';

const CONFIGURED_VALUE: Record<Exclude<ChannelId, 'chat'>, keyof DialogConfig> = {
  phone: 'SUPPORT_PHONE',
  email: 'SUPPORT_EMAIL',
  inquiry: 'SUPPORT_INQUIRY_URL',
};

export class ContactChannelsDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(CONTACT_CHANNELS_DIALOG, services);
  }

  protected override async answer(context: TurnContext): Promise<void> {
    const { knowledge } = this.services;
    const lines = knowledge.channels.map((channel) => this.describe(channel, context));
    await context.sendActivity([text(context, knowledge, 'channels.intro'), ...lines].join('\n'));
    await sendWithAgentButton(context, knowledge, 'channels.advice');
  }

  private describe(channel: Channel, context: TurnContext): string {
    const language = turnLanguage(context);
    const detail = this.whereToReach(channel, context);
    return `• ${channel.name[language]} (${channel.typicalResponse[language]})\n  ${detail}`;
  }

  private whereToReach(channel: Channel, context: TurnContext): string {
    const language = turnLanguage(context);
    // Chat with an agent is this very conversation.
    if (channel.id === 'chat') return text(context, this.services.knowledge, 'channels.chat_here');
    const value = this.services.config[CONFIGURED_VALUE[channel.id]];
    return typeof value === 'string' && value ? render(channel.withValue[language], { value }) : channel.whereToFind[language];
  }
}
