// "When are you open?": the schedule and whether an agent can be reached right now (or the part asked about).
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import type { BotServices } from './services';
import { answerHours } from './topicAnswers';
import { understand } from './understanding';

export const HOURS_DIALOG = 'hoursDialog';

export class HoursDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(HOURS_DIALOG, services);
  }

  protected override answer(context: TurnContext): Promise<void> {
    return answerHours(this.services, context, understand(context, this.services).facet);
  }
}
