// The seller's side of a handoff, before the dialogs: messages of sellers who wait (answered, kept for the
// agent, or a command), who chat with an agent (relayed), or who leave an offline ticket.
import type { MiddlewareHandler, TurnContext } from 'botbuilder';
import { markQueuedTurn } from '../../dialogs/turn';
import type { IntentClassifier } from '../../intents/classifier';
import { utteranceKey } from '../../intents/trainingData';
import type { Knowledge } from '../../knowledge';
import type { Logger } from '../logger';
import { DRAFT_TICKET_MINUTES, type Session, type Ticket } from './model';
import type { Notices } from './notices';
import type { HandoffRepo } from '../storage/ports';
import type { HandoffService } from './service';
import { attachmentsOf, withSellerMessage, withSellerQuestion } from './summary';
import { isQuestionForTheBot, ordinal, withLeaveButton } from './waitingHelp';

/** Longest command ("forget it, cancel the wait") worth checking against the classifier while a seller waits. */
const COMMAND_MAX_LENGTH = 40;

/** Ends a live chat from the seller's side; nothing else does (a seller may write "취소" about an order). */
const END_PHRASES = new Set(
  ['상담 종료', '상담 종료할게요', '상담 종료해 주세요', '상담 끝', '상담 끝낼게요', '채팅 종료', '대화 종료', '종료', 'end chat', 'end the chat', 'end'].map(
    utteranceKey,
  ),
);

type Command = 'cancel' | 'agent' | 'end' | undefined;

export interface SellerSideDeps {
  logger: Logger;
  knowledge: Knowledge;
  store: HandoffRepo;
  service: HandoffService;
  notices: Notices;
  /** Recognises "cancel" / "agent" while a seller waits, and questions the bot can answer meanwhile. */
  classifier: IntentClassifier;
  now: () => Date;
  /** The Bot Framework handoff protocol's `handoff.status` events. */
  onHandoffStatus: (context: TurnContext) => Promise<void>;
}

/** Runs before the dialogs: messages of sellers who wait, chat with an agent or leave a ticket go to the hub. */
export function sellerMiddleware(deps: SellerSideDeps): MiddlewareHandler {
  return async (context, next) => {
    const activity = context.activity;
    if (activity.type === 'event' && activity.name === 'handoff.status') return deps.onHandoffStatus(context);
    if (activity.type === 'endOfConversation' && activity.conversation?.id) {
      await deps.service.sellerLeft(activity.conversation.id, activity.channelId);
      return next();
    }
    if (activity.type !== 'message' || !activity.conversation?.id) return next();
    // Sessions and tickets are the conversation's only on the channel that opened them.
    const open = await deps.store.openSession(activity.conversation.id);
    const session = open?.channelId === activity.channelId ? open : undefined;
    if (session?.status === 'waiting') return whileWaiting(deps, context, session, next);
    if (session?.status === 'active') return whileActive(deps, context, session);
    const draft = await deps.store.draftTicket(activity.conversation.id);
    if (draft && draft.channelId === activity.channelId && (await fillTicket(deps, context, draft))) return;
    return next();
  };
}

function command(classifier: IntentClassifier, text: string, live: boolean): Command {
  const key = utteranceKey(text);
  if (!key) return undefined;
  if (END_PHRASES.has(key)) return 'end';
  if (live || text.length > COMMAND_MAX_LENGTH) return undefined;
  const { intent, score } = classifier.classify(text);
  if (intent === 'cancel' && score >= 0.6) return 'cancel';
  if (intent === 'agent' && score >= 0.9) return 'agent';
  return undefined;
}

// The seller is answered in the language of the conversation when they were queued: what they write
// for the agent (an error code, "<script>", a product name) says little about the language they read.
async function whileWaiting(deps: SellerSideDeps, context: TurnContext, session: Session, next: () => Promise<void>): Promise<void> {
  const { knowledge, notices, service, store } = deps;
  const text = context.activity.text ?? '';
  const language = session.language;
  const said = command(deps.classifier, text, false);
  if (said === 'cancel' || said === 'end') {
    if (await service.close(session, 'cancelled')) {
      deps.logger.info({ conversationId: session.conversationId }, 'seller left the queue');
      await context.sendActivity(notices.text('handoff.left_queue', language));
    }
    return;
  }
  if (said === 'agent') {
    await context.sendActivity(withLeaveButton(knowledge, language, notices.text('handoff.already_waiting', language, { position: ordinal(await store.position(session), language) })));
    return;
  }
  // A question the bot can answer is answered; the seller keeps their place, the agent sees both in the transcript.
  if (isQuestionForTheBot(deps.classifier, text, context.activity.attachments?.length ?? 0)) {
    await service.noteWhileWaiting(session, { summary: withSellerQuestion(withSellerMessage(session.summary, text, 0), text) }, context.activity);
    markQueuedTurn(context);
    await next();
    const still = notices.text('handoff.still_in_line', language, { position: ordinal(await store.position(session), language) });
    await context.sendActivity(withLeaveButton(knowledge, language, still));
    return;
  }
  // Details for the agent (the transcript keeps them); the bot stays quiet but for a first short ack.
  const summary = withSellerMessage(session.summary, text, context.activity.attachments?.length ?? 0);
  await service.noteWhileWaiting(session, { summary, sellerAcked: true }, context.activity);
  if (!session.sellerAcked) await context.sendActivity(withLeaveButton(knowledge, language, notices.text('handoff.message_received', language)));
}

async function whileActive(deps: SellerSideDeps, context: TurnContext, session: Session): Promise<void> {
  const language = session.language;
  if (command(deps.classifier, context.activity.text ?? '', true) === 'end') {
    const now = deps.now();
    if (!(await deps.service.close(session, 'seller'))) return;
    deps.logger.info({ conversationId: session.conversationId, agent: session.agent }, 'seller ended the chat');
    await context.sendActivities([deps.notices.message('handoff.ended_by_seller', language), deps.notices.closedSummary(session.agent ?? '', language, now, session.caseNumber)]);
    return;
  }
  deps.service.relay(session, context.activity);
}

/** Outside hours the seller's next message becomes a ticket. Returns false to let the bot answer instead. */
async function fillTicket(deps: SellerSideDeps, context: TurnContext, draft: Ticket): Promise<boolean> {
  const { store, notices } = deps;
  const now = deps.now();
  if (Date.parse(draft.createdAt) < now.getTime() - DRAFT_TICKET_MINUTES * 60_000) {
    await store.deleteDraftTickets(draft.conversationId);
    return false;
  }
  const text = context.activity.text ?? '';
  const attachments = attachmentsOf(context.activity);
  const language = draft.language;
  const said = command(deps.classifier, text, false);
  if (said === 'agent') {
    // Asking again: the dialogs call request(), which explains the hours once more.
    await store.deleteDraftTickets(draft.conversationId);
    return false;
  }
  if (said === 'cancel' || said === 'end') {
    await store.deleteDraftTickets(draft.conversationId);
    await context.sendActivity(notices.text('handoff.ticket_cancelled', language));
    return true;
  }
  if (!text.trim() && attachments.length === 0) return false;
  const ticket = await deps.service.saveTicket(draft, text, attachments);
  if (!ticket) return false;
  await context.sendActivity(notices.text('handoff.ticket_saved', language, { caseNumber: ticket.caseNumber }));
  return true;
}
