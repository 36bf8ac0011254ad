// The router: reads the turn's message once and starts the topic dialog for it. Messages that fit no
// topic get the menu (noise) or, after FALLBACK_HANDOFF_AFTER misses in a row, an agent.
import type { ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { Dialog, type DialogContext, type DialogDependencies, type DialogReason, type DialogTurnResult } from './dialogLibrary';
import type { Intent } from '../intents/intentIds';
import { CANCEL_DIALOG, CancelDialog } from './cancelDialog';
import { isReroute } from './cancelAndHelpDialog';
import { CONTACT_CHANNELS_DIALOG, ContactChannelsDialog } from './contactChannelsDialog';
import { CUSTOMER_NOTICE_DIALOG, CustomerNoticeDialog } from './customerNoticeDialog';
import { DELETE_PROBLEM_DIALOG, DeleteProblemDialog } from './deleteProblemDialog';
import { DELETE_PRODUCT_DIALOG, DeleteProductDialog } from './deleteProductDialog';
import { GREETING_DIALOG, GreetingDialog } from './greetingDialog';
import { HOURS_DIALOG, HoursDialog } from './hoursDialog';
import { OFFER_AGENT_DIALOG, OfferAgentDialog } from './offerAgentDialog';
import { PREPARE_INFO_DIALOG, PrepareInfoDialog } from './prepareInfoDialog';
import { sendText, sendWithMenu, text, withButtons } from './replies';
import { RESTORE_PRODUCT_DIALOG, RestoreProductDialog } from './restoreProductDialog';
import type { BotServices } from './services';
import { THANKS_DIALOG, ThanksDialog } from './thanksDialog';
import { answerTopic } from './topicAnswers';
import { isNoiseTurn, recordAct, recordAnswer, turnLanguage } from './turn';
import { type Understanding, understand } from './understanding';
import { WAIT_TIME_DIALOG, WaitTimeDialog } from './waitTimeDialog';

export const MAIN_DIALOG = 'mainDialog';
const UNMATCHED_IN_A_ROW = 'unmatchedInARow';
/** Where the SDK's DialogManager and useBotState register the conversation state for dialogs. */
export const CONVERSATION_STATE_KEY = 'ConversationState';

const TOPIC_DIALOGS: Readonly<Record<Exclude<Intent, 'agent' | 'none'>, string>> = {
  delete_product: DELETE_PRODUCT_DIALOG,
  delete_problem: DELETE_PROBLEM_DIALOG,
  restore_product: RESTORE_PRODUCT_DIALOG,
  customer_notice: CUSTOMER_NOTICE_DIALOG,
  prepare_info: PREPARE_INFO_DIALOG,
  contact_channels: CONTACT_CHANNELS_DIALOG,
  wait_time: WAIT_TIME_DIALOG,
  hours: HOURS_DIALOG,
  greeting: GREETING_DIALOG,
  thanks: THANKS_DIALOG,
  cancel: CANCEL_DIALOG,
};

/**
 * A plain Dialog whose topics are its dependencies, so they run on the same dialog stack as the router
 * (DialogSet.add registers them): a ComponentDialog layer would cost the SDK an extra dialog context
 * on every turn. It never waits for the seller itself; the topic on top of it does.
 */
export class MainDialog extends Dialog implements DialogDependencies {
  private readonly accessors = new WeakMap<ConversationState, StatePropertyAccessor<number>>();
  private readonly topics: Dialog[];

  /**
   * The count of misses in a row lives in conversation state: the one given here, else the one the
   * host registered in turnState under "ConversationState" (SellerBot does, as DialogManager would).
   */
  constructor(
    private readonly services: BotServices,
    private readonly conversationState?: ConversationState,
  ) {
    super(MAIN_DIALOG);
    this.topics = [
      new DeleteProductDialog(services),
      new DeleteProblemDialog(services),
      new RestoreProductDialog(services),
      new CustomerNoticeDialog(services),
      new PrepareInfoDialog(services),
      new ContactChannelsDialog(services),
      new WaitTimeDialog(services),
      new HoursDialog(services),
      new GreetingDialog(services),
      new ThanksDialog(services),
      new CancelDialog(services),
      new OfferAgentDialog(services),
    ];
  }

  getDependencies(): Dialog[] {
    return this.topics;
  }

  override beginDialog(dc: DialogContext): Promise<DialogTurnResult> {
    return this.route(dc);
  }

  /**
   * The router never waits, so it is only continued with nothing above it when the stored stack is not
   * one this version made (e.g. saved by an older release, whose MainDialog kept its topics inside it):
   * the message is routed afresh rather than ending the dialog unanswered.
   */
  override continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    return this.route(dc);
  }

  /** A topic left mid-question because the seller moved on: handle that message as if nothing was running. */
  override resumeDialog(dc: DialogContext, _reason: DialogReason, result?: unknown): Promise<DialogTurnResult> {
    return isReroute(result) ? this.route(dc) : dc.endDialog();
  }

  private async route(dc: DialogContext): Promise<DialogTurnResult> {
    const { context } = dc;
    const understanding = understand(context, this.services);
    if (understanding.act === 'unresolved') {
      await this.unmatchedInARow(context).set(context, 0);
      recordAct(context, 'unresolved');
      return dc.beginDialog(OFFER_AGENT_DIALOG);
    }
    if (await this.answerAct(context, understanding)) return dc.endDialog();
    if (understanding.intent === 'none' && understanding.oosTopic) {
      await this.unmatchedInARow(context).set(context, 0);
      await this.services.handoff.request(context, 'no_match', { topic: understanding.oosTopic });
      return dc.endDialog();
    }
    if (understanding.intent === 'none') {
      await this.handleUnmatched(context, understanding);
      return dc.endDialog();
    }
    // Misses only count while nothing is running, so the streak ends when a topic or an agent starts.
    await this.unmatchedInARow(context).set(context, 0);
    if (understanding.intent === 'agent') {
      await this.services.handoff.request(context, 'requested');
      return dc.endDialog();
    }
    if (understanding.intent !== 'cancel') recordAnswer(context, understanding.intent, understanding.facet);
    return dc.beginDialog(TOPIC_DIALOGS[understanding.intent]);
  }

  /** Farewells, "who are you", complaints, several questions at once, and an ambiguous question. True when handled. */
  private async answerAct(context: TurnContext, understanding: Understanding): Promise<boolean> {
    const { knowledge, handoff } = this.services;
    switch (understanding.act) {
      case 'farewell':
        recordAct(context, 'farewell');
        await sendText(context, knowledge, 'farewell');
        return true;
      case 'identity':
        recordAct(context, 'identity');
        await sendWithMenu(context, knowledge, 'identity');
        return true;
      case 'complaint':
        // An unanswered inquiry or a long wait deserves an apology before anything else, and a person.
        recordAct(context, 'apology');
        await sendText(context, knowledge, 'handoff.apology');
        await this.unmatchedInARow(context).set(context, 0);
        await handoff.request(context, 'requested');
        return true;
    }
    if (understanding.nudge) {
      recordAct(context, 'nudge');
      await sendWithMenu(context, knowledge, 'noise');
      return true;
    }
    if (understanding.parts) {
      await this.unmatchedInARow(context).set(context, 0);
      for (const part of understanding.parts) {
        if (part.intent === 'agent') continue;
        recordAnswer(context, part.intent, part.facet);
        await answerTopic(this.services, context, part.intent, part.facet);
      }
      if (understanding.parts.some((p) => p.intent === 'agent')) await handoff.request(context, 'requested');
      return true;
    }
    if (understanding.alternatives) {
      const misses = this.unmatchedInARow(context);
      // Asked once already: a second unclear message is the "no match" the handoff is for.
      if ((await misses.get(context, 0)) > 0) {
        await misses.set(context, 0);
        await handoff.request(context, 'no_match');
        return true;
      }
      await misses.set(context, 1);
      recordAct(context, 'clarify');
      const language = turnLanguage(context);
      const labels = understanding.alternatives.map((intent) => knowledge.menu.find((m) => m.intent === intent)?.label[language]).filter((l): l is string => Boolean(l));
      await context.sendActivity(withButtons(text(context, knowledge, 'clarify'), [...labels, text(context, knowledge, 'button.agent')]));
      return true;
    }
    return false;
  }

  private async handleUnmatched(context: TurnContext, understanding: Understanding): Promise<void> {
    const { knowledge, config, handoff } = this.services;
    // A stale button ("예" from a finished question) or mashing is not a question the bot failed.
    if (understanding.source !== 'classifier' || isNoiseTurn(context)) {
      recordAct(context, 'nudge');
      await sendWithMenu(context, knowledge, 'noise');
      return;
    }
    const unmatchedInARow = this.unmatchedInARow(context);
    const misses = (await unmatchedInARow.get(context, 0)) + 1;
    const handOffAfter = config.FALLBACK_HANDOFF_AFTER;
    if (handOffAfter > 0 && misses >= handOffAfter) {
      await unmatchedInARow.set(context, 0);
      await handoff.request(context, 'no_match');
      return;
    }
    await unmatchedInARow.set(context, misses);
    recordAct(context, 'not_understood');
    await sendWithMenu(context, knowledge, 'not_understood');
  }

  private unmatchedInARow(context: TurnContext): StatePropertyAccessor<number> {
    const state: ConversationState | undefined = this.conversationState ?? context.turnState.get(CONVERSATION_STATE_KEY);
    if (!state) throw new Error(`MainDialog needs a ConversationState: pass one or register it in turnState as "${CONVERSATION_STATE_KEY}"`);
    let accessor = this.accessors.get(state);
    if (!accessor) {
      accessor = state.createProperty<number>(UNMATCHED_IN_A_ROW);
      this.accessors.set(state, accessor);
    }
    return accessor;
  }
}

export function createMainDialog(services: BotServices, conversationState?: ConversationState): MainDialog {
  return new MainDialog(services, conversationState);
}
