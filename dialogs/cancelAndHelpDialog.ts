// The base of every topic dialog: while one of its questions waits, the seller may ask for an agent,
// cancel, ask for help or change the subject, and none of that should be mistaken for an answer.
import { ActivityTypes } from 'botbuilder';
import { ComponentDialog, Dialog, type DialogContext, type DialogTurnResult, DialogTurnStatus } from './dialogLibrary';
import type { Intent } from '../intents/intentIds';
import { ButtonPrompt } from './buttonPrompt';
import { sendText, sendWithMenu } from './replies';
import type { BotServices } from './services';
import { claimInterruptionCheck, recordAct, recordAnswer } from './turn';
import { understand } from './understanding';

/** Intents that start a topic of their own, so saying one mid-question means "let's talk about that". */
const TOPIC_INTENTS: readonly Intent[] = [
  'delete_product',
  'delete_problem',
  'restore_product',
  'customer_notice',
  'prepare_info',
  'contact_channels',
  'wait_time',
  'hours',
  'thanks',
];

/** Below this the classifier is guessing; a guess should not throw away the question the seller is on. */
const SWITCH_CONFIDENCE = 0.5;

/** A topic dialog's result asking the router to handle this same message afresh. */
export interface RerouteResult {
  reroute: true;
}

export function isReroute(result: unknown): result is RerouteResult {
  return typeof result === 'object' && result !== null && (result as RerouteResult).reroute === true;
}

interface WaitingQuestion {
  dc: DialogContext;
  prompt?: ButtonPrompt;
  /** The innermost topic, so repeating it is not taken for a switch to a new one. */
  topic?: Intent;
}

export class CancelAndHelpDialog extends ComponentDialog {
  constructor(
    dialogId: string,
    protected readonly services: BotServices,
    readonly topic?: Intent,
  ) {
    super(dialogId);
  }

  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    const { context } = innerDc;
    if (context.activity.type === ActivityTypes.Message && claimInterruptionCheck(context)) {
      const result = await this.interrupt(innerDc);
      if (result) return result;
    }
    return super.onContinueDialog(innerDc);
  }

  /** Handles the message if it is not for the waiting question; undefined lets the question have it. */
  private async interrupt(innerDc: DialogContext): Promise<DialogTurnResult | undefined> {
    const { context } = innerDc;
    const { knowledge, handoff } = this.services;
    const understanding = understand(context, this.services);
    const waiting = this.waitingQuestion(innerDc);

    if (understanding.intent === 'agent') {
      await innerDc.cancelAllDialogs(true);
      await handoff.request(context, 'requested');
      return { status: DialogTurnStatus.cancelled };
    }
    if (understanding.intent === 'cancel') {
      await innerDc.cancelAllDialogs(true);
      await sendWithMenu(context, knowledge, 'cancel_done');
      return { status: DialogTurnStatus.cancelled };
    }
    if (understanding.intent === 'greeting') {
      recordAnswer(context, 'greeting');
      await sendText(context, knowledge, 'help');
      await waiting.dc.repromptDialog();
      return Dialog.EndOfTurn;
    }
    if (!waiting.prompt || waiting.prompt.answers(context, waiting.dc.activeDialog!)) {
      return undefined;
    }
    // A question typed while the buttons wait is answered (the router reads it afresh): a topic, the
    // same topic's facet, a named topic it does not cover, an act, several questions.
    const isQuestion =
      (TOPIC_INTENTS.includes(understanding.intent) && (understanding.intent !== waiting.topic || understanding.facet !== undefined || understanding.score >= SWITCH_CONFIDENCE)) ||
      understanding.oosTopic !== undefined ||
      understanding.act !== undefined ||
      understanding.parts !== undefined;
    if (isQuestion && (understanding.score >= SWITCH_CONFIDENCE || understanding.facet !== undefined || understanding.intent === 'none')) {
      return this.endForRerouting(innerDc);
    }
    if (await waiting.prompt.repromptOnce(context, waiting.dc.activeDialog!)) {
      recordAct(context, 'reprompt');
      return Dialog.EndOfTurn;
    }
    return this.endForRerouting(innerDc);
  }

  private async endForRerouting(innerDc: DialogContext): Promise<DialogTurnResult<RerouteResult>> {
    await innerDc.cancelAllDialogs();
    return { status: DialogTurnStatus.complete, result: { reroute: true } };
  }

  /** Follows nested dialogs down to the question actually waiting for an answer. */
  private waitingQuestion(innerDc: DialogContext): WaitingQuestion {
    let dc = innerDc;
    let topic = this.topic;
    for (let child = dc.child; child; child = dc.child) {
      const container = dc.findDialog(dc.activeDialog!.id);
      if (container instanceof CancelAndHelpDialog && container.topic) topic = container.topic;
      dc = child;
    }
    const active = dc.activeDialog ? dc.findDialog(dc.activeDialog.id) : undefined;
    return { dc, topic, prompt: active instanceof ButtonPrompt ? active : undefined };
  }
}
