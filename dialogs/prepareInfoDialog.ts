// "What should I have ready before contacting support?"
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { sendText } from './replies';
import type { BotServices } from './services';

export const PREPARE_INFO_DIALOG = 'prepareInfoDialog';

export class PrepareInfoDialog extends CancelAndHelpDialog {
  constructor(services: BotServices) {
    super(PREPARE_INFO_DIALOG, services, 'prepare_info');
    this.addDialog(new WaterfallDialog(`${PREPARE_INFO_DIALOG}.steps`, [this.answer.bind(this)]));
  }

  private async answer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    await sendText(step.context, this.services.knowledge, 'prepare.checklist');
    return step.endDialog();
  }
}
