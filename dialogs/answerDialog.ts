// The base of topics answered in one go (hours, contact channels, thanks...). Nothing of theirs waits
// for the seller, so nothing can interrupt them: they need neither CancelAndHelpDialog nor a waterfall.
// Each ComponentDialog layer and waterfall step costs the SDK a dialog context (with its memory scopes)
// per turn, which profiling showed to be a large share of a turn's CPU; a plain Dialog costs none.
import type { TurnContext } from 'botbuilder';
import { Dialog, type DialogContext, type DialogTurnResult } from './dialogLibrary';
import type { BotServices } from './services';

export abstract class AnswerDialog extends Dialog {
  constructor(
    dialogId: string,
    protected readonly services: BotServices,
  ) {
    super(dialogId);
  }

  override async beginDialog(dc: DialogContext): Promise<DialogTurnResult> {
    await this.answer(dc.context);
    return dc.endDialog();
  }

  /** Sends the topic's answer. */
  protected abstract answer(context: TurnContext): Promise<void>;
}
