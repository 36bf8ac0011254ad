// "How do I reach the customer center?": every channel with its usual response time and where to
// find it, or the one channel asked about. Numbers and addresses come only from configuration;
// without them the seller is told where to look, never given an invented one.
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import type { BotServices } from './services';
import { answerChannels } from './topicAnswers';
import { understand } from './understanding';

export const CONTACT_CHANNELS_DIALOG = 'contactChannelsDialog';

export class ContactChannelsDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(CONTACT_CHANNELS_DIALOG, services);
  }

  protected override answer(context: TurnContext): Promise<void> {
    return answerChannels(this.services, context, understand(context, this.services).facet);
  }
}
