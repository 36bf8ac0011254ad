// "How long will I wait?": the usual waits per channel (or the one asked about) and, when sellers are queuing, the queue now.
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import type { BotServices } from './services';
import { answerWait } from './topicAnswers';
import { understand } from './understanding';

export const WAIT_TIME_DIALOG = 'waitTimeDialog';

export class WaitTimeDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(WAIT_TIME_DIALOG, services);
  }

  protected override answer(context: TurnContext): Promise<void> {
    return answerWait(this.services, context, understand(context, this.services).facet);
  }
}
