// "Are buyers told when I delete a product?"
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import { sendText } from './replies';
import type { BotServices } from './services';

export const CUSTOMER_NOTICE_DIALOG = 'customerNoticeDialog';

export class CustomerNoticeDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(CUSTOMER_NOTICE_DIALOG, services);
  }

  protected override async answer(context: TurnContext): Promise<void> {
    await sendText(context, this.services.knowledge, 'notice.answer');
  }
}
