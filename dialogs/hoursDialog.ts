// "When are you open?": the schedule and whether an agent can be reached right now.
import type { TurnContext } from 'botbuilder';
import { AnswerDialog } from './answerDialog';
import { text } from './replies';
import type { BotServices } from './services';
import { turnLanguage } from './turn';

export const HOURS_DIALOG = 'hoursDialog';

export class HoursDialog extends AnswerDialog {
  constructor(services: BotServices) {
    super(HOURS_DIALOG, services);
  }

  protected override async answer(context: TurnContext): Promise<void> {
    const { knowledge, config } = this.services;
    const hours = config.businessHours;
    if (hours.alwaysOpen) {
      await context.sendActivity(text(context, knowledge, 'hours.always'));
      return;
    }
    const language = turnLanguage(context);
    const now = this.services.now();
    const lines = [text(context, knowledge, 'hours.schedule', { schedule: hours.describe(language) })];
    if (hours.isHoliday(now)) lines.push(text(context, knowledge, 'hours.holiday_today'));
    if (hours.isOpen(now)) lines.push(text(context, knowledge, 'hours.open_now'));
    else {
      const next = hours.describeNextOpening(now, language);
      if (next) lines.push(text(context, knowledge, 'hours.closed_now', { next }));
    }
    await context.sendActivity(lines.join('\n'));
  }
}
