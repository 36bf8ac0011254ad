// "What should I have ready before contacting support?" (or whether one item is needed).
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import type { BotServices } from './services';
import { answerTopic } from './topicAnswers';
import { understand } from './understanding';

export const PREPARE_INFO_DIALOG = 'prepareInfoDialog';

export class PrepareInfoDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(PREPARE_INFO_DIALOG, services);
  }

  protected override answer(context: TurnContext): Promise<void> {
    return answerTopic(this.services, context, 'prepare_info', understand(context, this.services).facet);
  }
}
