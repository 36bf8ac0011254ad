// "How do I reach the customer center?": every channel with its usual response time and where to
// find it. Numbers and addresses come only from configuration; without them the seller is told
// where to look, never given an invented one.
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { type Channel, type ChannelId, render } from '../knowledge';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { sendWithAgentButton, text } from './replies';
import type { BotServices, DialogConfig } from './services';
import { turnLanguage } from './turn';

export const CONTACT_CHANNELS_DIALOG = 'contactChannelsDialog';

const CONFIGURED_VALUE: Record<Exclude<ChannelId, 'chat'>, keyof DialogConfig> = {
  phone: 'SUPPORT_PHONE',
  email: 'SUPPORT_EMAIL',
  inquiry: 'SUPPORT_INQUIRY_URL',
};

export class ContactChannelsDialog extends CancelAndHelpDialog {
  constructor(services: BotServices) {
    super(CONTACT_CHANNELS_DIALOG, services, 'contact_channels');
    this.addDialog(new WaterfallDialog(`${CONTACT_CHANNELS_DIALOG}.steps`, [this.answer.bind(this)]));
  }

  private async answer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { context } = step;
    const { knowledge } = this.services;
    const lines = knowledge.channels.map((channel) => this.describe(channel, step));
    await context.sendActivity([text(context, knowledge, 'channels.intro'), ...lines].join('\n'));
    await sendWithAgentButton(context, knowledge, 'channels.advice');
    return step.endDialog();
  }

  private describe(channel: Channel, step: WaterfallStepContext): string {
    const language = turnLanguage(step.context);
    const detail = this.whereToReach(channel, step);
    return `• ${channel.name[language]} (${channel.typicalResponse[language]})\n  ${detail}`;
  }

  private whereToReach(channel: Channel, step: WaterfallStepContext): string {
    const language = turnLanguage(step.context);
    // Chat with an agent is this very conversation.
    if (channel.id === 'chat') return text(step.context, this.services.knowledge, 'channels.chat_here');
    const value = this.services.config[CONFIGURED_VALUE[channel.id]];
    return typeof value === 'string' && value ? render(channel.withValue[language], { value }) : channel.whereToFind[language];
  }
}
