// "Cancel" when no question is waiting (a waiting one is cancelled by CancelAndHelpDialog instead).
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { sendWithMenu } from './replies';
import type { BotServices } from './services';
import { understand } from './understanding';

export const CANCEL_DIALOG = 'cancelDialog';

export class CancelDialog extends CancelAndHelpDialog {
  constructor(services: BotServices) {
    super(CANCEL_DIALOG, services, 'cancel');
    this.addDialog(new WaterfallDialog(`${CANCEL_DIALOG}.steps`, [this.answer.bind(this)]));
  }

  private async answer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    // The "main menu" button asks for the menu; telling that seller there is nothing to cancel would be odd.
    const wantsMenu = understand(step.context, this.services).choice === 'menu';
    await sendWithMenu(step.context, this.services.knowledge, wantsMenu ? 'menu_prompt' : 'cancel_nothing');
    return step.endDialog();
  }
}
