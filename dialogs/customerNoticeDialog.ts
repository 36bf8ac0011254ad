// "Are buyers told when I delete a product?" (or how to tell them, or what they see).
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import type { BotServices } from './services';
import { answerTopic } from './topicAnswers';
import { understand } from './understanding';

export const CUSTOMER_NOTICE_DIALOG = 'customerNoticeDialog';

export class CustomerNoticeDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(CUSTOMER_NOTICE_DIALOG, services);
  }

  protected override answer(context: TurnContext): Promise<void> {
    return answerTopic(this.services, context, 'customer_notice', understand(context, this.services).facet);
  }
}
