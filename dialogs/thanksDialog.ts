// "Thanks, that solved it."
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { sendText } from './replies';
import type { BotServices } from './services';

export const THANKS_DIALOG = 'thanksDialog';

export class ThanksDialog extends CancelAndHelpDialog {
  constructor(services: BotServices) {
    super(THANKS_DIALOG, services, 'thanks');
    this.addDialog(new WaterfallDialog(`${THANKS_DIALOG}.steps`, [this.answer.bind(this)]));
  }

  private async answer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    await sendText(step.context, this.services.knowledge, 'thanks');
    return step.endDialog();
  }
}
