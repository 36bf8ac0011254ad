// "When are you open?": the schedule and whether an agent can be reached right now.
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { text } from './replies';
import type { BotServices } from './services';
import { turnLanguage } from './turn';

export const HOURS_DIALOG = 'hoursDialog';

export class HoursDialog extends CancelAndHelpDialog {
  constructor(services: BotServices) {
    super(HOURS_DIALOG, services, 'hours');
    this.addDialog(new WaterfallDialog(`${HOURS_DIALOG}.steps`, [this.answer.bind(this)]));
  }

  private async answer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { context } = step;
    const { knowledge, config } = this.services;
    const hours = config.businessHours;
    if (hours.alwaysOpen) {
      await context.sendActivity(text(context, knowledge, 'hours.always'));
      return step.endDialog();
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
    return step.endDialog();
  }
}
