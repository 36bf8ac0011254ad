// "Are buyers told when I delete a product?"
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { sendText } from './replies';
import type { BotServices } from './services';

export const CUSTOMER_NOTICE_DIALOG = 'customerNoticeDialog';

export class CustomerNoticeDialog extends CancelAndHelpDialog {
  constructor(services: BotServices) {
    super(CUSTOMER_NOTICE_DIALOG, services, 'customer_notice');
    this.addDialog(new WaterfallDialog(`${CUSTOMER_NOTICE_DIALOG}.steps`, [this.answer.bind(this)]));
  }

  private async answer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    await sendText(step.context, this.services.knowledge, 'notice.answer');
    return step.endDialog();
  }
}
