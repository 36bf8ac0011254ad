// "How long will I wait?": the usual waits per channel and, when sellers are queuing, the queue now.
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import { text } from './replies';
import type { BotServices } from './services';

export const WAIT_TIME_DIALOG = 'waitTimeDialog';

export class WaitTimeDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(WAIT_TIME_DIALOG, services);
  }

  protected override async answer(context: TurnContext): Promise<void> {
    const { knowledge, handoff } = this.services;
    const parts = [text(context, knowledge, 'wait.answer')];
    const queue = handoff.snapshot();
    if (queue.waiting > 0) {
      // "less than a minute" would promise more than the estimate can keep.
      const minutes = Math.max(1, Math.round(queue.estimatedWaitMinutes));
      parts.push(text(context, knowledge, 'wait.queue_now', { waiting: queue.waiting, wait: text(context, knowledge, 'handoff.wait_minutes', { minutes }) }));
    }
    await context.sendActivity(parts.join('\n\n'));
  }
}
