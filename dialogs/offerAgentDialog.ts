// "해결 안 됐어요" after an answer that is not about deleting: acknowledged, and a person offered with
// yes/no rather than queued unasked ("네" connects, "아니요" goes back to the menu).
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from './dialogLibrary';
import { type ButtonPromptOptions, ButtonPrompt, yesNo } from './buttonPrompt';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { sendWithMenu } from './replies';
import type { BotServices } from './services';

export const OFFER_AGENT_DIALOG = 'offerAgentDialog';
const STEPS = `${OFFER_AGENT_DIALOG}.steps`;
const PROMPT = `${OFFER_AGENT_DIALOG}.prompt`;

export class OfferAgentDialog extends CancelAndHelpDialog {
  constructor(services: BotServices) {
    super(OFFER_AGENT_DIALOG, services);
    this.addDialog(new ButtonPrompt(PROMPT, services.knowledge)).addDialog(new WaterfallDialog(STEPS, [this.offer.bind(this), this.afterOffer.bind(this)]));
    this.initialDialogId = STEPS;
  }

  private offer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options: ButtonPromptOptions = { textKey: 'unresolved', buttons: yesNo(this.services.knowledge) };
    return step.prompt(PROMPT, options);
  }

  private async afterOffer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (step.result === 'yes') await this.services.handoff.request(step.context, 'requested');
    else await sendWithMenu(step.context, this.services.knowledge, 'offer_declined');
    return step.endDialog();
  }
}
