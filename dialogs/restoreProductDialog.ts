// "Can I get a deleted product back?": sellers cannot restore it themselves, so the answer is what
// the customer center may do, what to have ready, and an agent for the actual request.
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from './dialogLibrary';
import { type ButtonPromptOptions, ButtonPrompt, yesNo } from './buttonPrompt';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { sendText, sendWithMenu } from './replies';
import type { BotServices } from './services';
import { answerTopic } from './topicAnswers';
import { isQueuedTurn } from './turn';
import { understand } from './understanding';

export const RESTORE_PRODUCT_DIALOG = 'restoreProductDialog';
const STEPS = `${RESTORE_PRODUCT_DIALOG}.steps`;
const OFFER_AGENT = `${RESTORE_PRODUCT_DIALOG}.offerAgent`;

export class RestoreProductDialog extends CancelAndHelpDialog {
  constructor(services: BotServices) {
    super(RESTORE_PRODUCT_DIALOG, services, 'restore_product');
    this.addDialog(new ButtonPrompt(OFFER_AGENT, services.knowledge))
      .addDialog(new WaterfallDialog(STEPS, [this.explain.bind(this), this.afterOffer.bind(this)]));
    this.initialDialogId = STEPS;
  }

  private async explain(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { knowledge } = this.services;
    const { facet } = understand(step.context, this.services);
    if (facet) await answerTopic(this.services, step.context, 'restore_product', facet);
    else {
      await sendText(step.context, knowledge, 'restore.policy');
      await sendText(step.context, knowledge, 'restore.prepare');
    }
    // A queued seller already waits for an agent: offering one again would only ask them to queue twice.
    if (isQueuedTurn(step.context)) return step.endDialog();
    const options: ButtonPromptOptions = { textKey: 'restore.offer_agent', buttons: yesNo(knowledge) };
    return step.prompt(OFFER_AGENT, options);
  }

  private async afterOffer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (step.result === 'yes') await this.services.handoff.request(step.context, 'requested');
    else await sendWithMenu(step.context, this.services.knowledge, 'offer_declined');
    return step.endDialog();
  }
}
