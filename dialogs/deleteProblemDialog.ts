// "I tried to delete and it failed": which problem, the checks for it, then an agent if that did not help.
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from './dialogLibrary';
import type { ProblemId } from '../knowledge/schema';
import { type ButtonPromptOptions, ButtonPrompt, yesNo } from './buttonPrompt';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { sendWithMenu } from './replies';
import type { BotServices } from './services';
import { isQueuedTurn, recordAnswer, turnLanguage } from './turn';
import { understand } from './understanding';

export const DELETE_PROBLEM_DIALOG = 'deleteProblemDialog';
const STEPS = `${DELETE_PROBLEM_DIALOG}.steps`;
const ASK_PROBLEM = `${DELETE_PROBLEM_DIALOG}.askProblem`;
const OFFER_AGENT = `${DELETE_PROBLEM_DIALOG}.offerAgent`;

// Most specific first: "삭제 버튼 누르면 오류가 떠요" is about the error, whose checks cover the button too.
const PROBLEM_PATTERNS: [ProblemId, RegExp][] = [
  ['error', /오류|에러|error|fail/i],
  ['button', /버튼|안\s*눌|클릭|비활성|회색|button|click|gr[ae]y(ed)?\s*out|disabled/i],
  ['partial', /일부|몇\s*개만|some\s+(of|were)|partial/i],
  ['still_visible', /(아직|그대로|계속|여전히).{0,8}(보|떠|있|검색|노출|남아)|still\s+(show|visible|there|appear|listed)|shows?\s+up/i],
];

/** Reads the problem from a free-text description; "other" is never guessed. */
export function problemFromText(text: string): ProblemId | undefined {
  return PROBLEM_PATTERNS.find(([, pattern]) => pattern.test(text))?.[0];
}

export class DeleteProblemDialog extends CancelAndHelpDialog {
  constructor(services: BotServices) {
    super(DELETE_PROBLEM_DIALOG, services, 'delete_problem');
    this.addDialog(new ButtonPrompt(ASK_PROBLEM, services.knowledge, problemFromText))
      .addDialog(new ButtonPrompt(OFFER_AGENT, services.knowledge))
      .addDialog(new WaterfallDialog(STEPS, [this.askProblem.bind(this), this.showChecks.bind(this), this.afterOffer.bind(this)]));
    this.initialDialogId = STEPS;
  }

  /** A seller who already said what they see ("삭제했는데 아직 보여요") is not asked again. */
  private async askProblem(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const understanding = understand(step.context, this.services);
    if (understanding.intent === 'delete_problem') {
      const chosen = understanding.choice ?? understanding.facet;
      const known = this.services.knowledge.problems.find((p) => p.id === chosen)?.id ?? problemFromText(step.context.activity.text ?? '');
      if (known) return step.next(known);
    }
    const options: ButtonPromptOptions = {
      textKey: 'delete_problem.ask',
      buttons: this.services.knowledge.problems.map((p) => ({ value: p.id, label: p.label })),
    };
    return step.prompt(ASK_PROBLEM, options);
  }

  private async showChecks(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { knowledge } = this.services;
    const problem = knowledge.problems.find((p) => p.id === step.result) ?? knowledge.problems.find((p) => p.id === 'other')!;
    recordAnswer(step.context, 'delete_problem', problem.id);
    await step.context.sendActivity(problem.checks[turnLanguage(step.context)]);
    // A queued seller already waits for an agent: offering one again would only ask them to queue twice.
    if (isQueuedTurn(step.context)) return step.endDialog();
    const options: ButtonPromptOptions = { textKey: 'delete_problem.offer_agent', buttons: yesNo(knowledge) };
    return step.prompt(OFFER_AGENT, options);
  }

  private async afterOffer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (step.result === 'yes') await this.services.handoff.request(step.context, 'requested');
    else await sendWithMenu(step.context, this.services.knowledge, 'offer_declined');
    return step.endDialog();
  }
}
