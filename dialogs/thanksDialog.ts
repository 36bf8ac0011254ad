// "Thanks, that solved it."
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import { sendText } from './replies';
import type { BotServices } from './services';

export const THANKS_DIALOG = 'thanksDialog';

export class ThanksDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(THANKS_DIALOG, services);
  }

  protected override async answer(context: TurnContext): Promise<void> {
    await sendText(context, this.services.knowledge, 'thanks');
  }
}
