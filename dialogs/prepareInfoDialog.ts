// "What should I have ready before contacting support?"
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import { sendText } from './replies';
import type { BotServices } from './services';

export const PREPARE_INFO_DIALOG = 'prepareInfoDialog';

export class PrepareInfoDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(PREPARE_INFO_DIALOG, services);
  }

  protected override async answer(context: TurnContext): Promise<void> {
    await sendText(context, this.services.knowledge, 'prepare.checklist');
  }
}
