// "How do I delete a product?": the steps, then whether that solved it; if not, the problem flow.
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from './dialogLibrary';
import { type ButtonPromptOptions, ButtonPrompt, genericChoice, yesNo } from './buttonPrompt';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { DELETE_PROBLEM_DIALOG, DeleteProblemDialog } from './deleteProblemDialog';
import { sendText, sendWithMenu } from './replies';
import type { BotServices } from './services';
import { answerTopic } from './topicAnswers';
import { recordAnswer } from './turn';
import { understand } from './understanding';

export const DELETE_PRODUCT_DIALOG = 'deleteProductDialog';
const STEPS = `${DELETE_PRODUCT_DIALOG}.steps`;
const ASK_RESOLVED = `${DELETE_PRODUCT_DIALOG}.askResolved`;

export class DeleteProductDialog extends CancelAndHelpDialog {
  constructor(services: BotServices) {
    super(DELETE_PRODUCT_DIALOG, services, 'delete_product');
    this.addDialog(new ButtonPrompt(ASK_RESOLVED, services.knowledge))
      .addDialog(new DeleteProblemDialog(services))
      .addDialog(new WaterfallDialog(STEPS, [this.showSteps.bind(this), this.afterAnswer.bind(this), this.finish.bind(this)]));
    this.initialDialogId = STEPS;
  }

  private async showSteps(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { knowledge } = this.services;
    // "Where is the button?" gets where the button is, not the whole procedure and a question.
    const { facet } = understand(step.context, this.services);
    if (facet) {
      await answerTopic(this.services, step.context, 'delete_product', facet);
      return step.endDialog();
    }
    await sendText(step.context, knowledge, 'delete_product.steps');
    const options: ButtonPromptOptions = {
      textKey: 'delete_product.ask_resolved',
      buttons: [...yesNo(knowledge), genericChoice(knowledge, 'agent')],
    };
    return step.prompt(ASK_RESOLVED, options);
  }

  private async afterAnswer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    switch (step.result) {
      case 'yes':
        recordAnswer(step.context, 'thanks');
        await sendWithMenu(step.context, this.services.knowledge, 'delete_product.resolved');
        return step.endDialog();
      case 'no':
        return step.beginDialog(DELETE_PROBLEM_DIALOG);
      default:
        await this.services.handoff.request(step.context, 'requested');
        return step.endDialog();
    }
  }

  private async finish(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.endDialog(step.result);
  }
}
