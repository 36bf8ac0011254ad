// "Cancel" when no question is waiting (a waiting one is cancelled by CancelAndHelpDialog instead).
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import { sendWithMenu } from './replies';
import type { BotServices } from './services';
import { understand } from './understanding';

export const CANCEL_DIALOG = 'cancelDialog';

export class CancelDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(CANCEL_DIALOG, services);
  }

  protected override async answer(context: TurnContext): Promise<void> {
    // The "main menu" button asks for the menu; telling that seller there is nothing to cancel would be odd.
    const wantsMenu = understand(context, this.services).choice === 'menu';
    await sendWithMenu(context, this.services.knowledge, wantsMenu ? 'menu_prompt' : 'cancel_nothing');
  }
}
