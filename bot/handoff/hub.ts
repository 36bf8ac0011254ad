// The human handoff: the queue of sellers waiting for an agent, the relay between them, business hours,
// offline tickets, time-outs, and the Bot Framework handoff protocol. State lives in SQLite (store.ts),
// so a crash loses nothing; agents reach sellers later with proactive messages on the stored reference.
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  type Activity,
  type ConversationReference,
  EventFactory,
  type MiddlewareHandler,
  type ResourceResponse,
  type TurnContext,
} from 'botbuilder';
import type { Server } from 'restify';
import type { IntentClassifier } from '../../intents/classifier';
import { utteranceKey } from '../../intents/trainingData';
import { type Knowledge, type Language, type ResponseKey, type TemplateValues, render } from '../../knowledge';
import type { HandoffDetails, HandoffPort, HandoffReason } from '../../dialogs/services';
import { turnLanguage } from '../../dialogs/turn';
import { type BotAdapter, isAuthenticatedTurn } from '../adapter';
import { activityClient } from '../clientAddress';
import type { Config } from '../config';
import { type ConversationQueue, conversationKey } from '../conversationQueue';
import type { ConversationReferences } from '../conversationReferences';
import type { Logger } from '../logger';
import { type DeliveredEvent, type Outbox, undeliveredIn } from '../outbox';
import type { Database } from '../storage/database';
import type { SqliteTranscriptStore } from '../storage/sqliteTranscriptStore';
import { SlidingWindowLimiter } from '../webchat/limits';
import { AgentAuth, LOCAL_AGENT_NAME, LOCAL_TOKEN_FILE } from './agents/auth';
import { estimateWaitMinutes, isMeaningfulImprovement, typicalHandlingMinutes } from './estimate';
import { AgentEvents } from './agents/events';
import { registerAgentRoutes } from './agents/routes';
import type { AgentMessage, AttachmentInfo, Session, Ticket } from './model';
import { HandoffStore } from './store';
import { attachmentsOf, buildSummary, describeSummary, withSellerMessage, withSellerQuestion } from './summary';
import { isQuestionForTheBot, ordinal, queuedMessage, withLeaveButton } from './waitingHelp';

export interface HandoffHubDeps {
  config: Config;
  logger: Logger;
  knowledge: Knowledge;
  db: Database;
  adapter: BotAdapter;
  references: ConversationReferences;
  transcripts: SqliteTranscriptStore;
  now: () => Date;
  /** Recognises "cancel" / "agent" while a seller waits, and the topics for the agent's summary. */
  classifier?: IntentClassifier;
  /** Serialises the hub's proactive messages with the seller's own turns. */
  queue?: ConversationQueue;
  /** How often the queue is checked for updates and time-outs (default 5 s, shorter for short time-outs). */
  tickMs?: number;
  /** The durable outbox (bot/outbox): what the seller's channel has not taken yet is shown as undelivered. */
  outbox?: Outbox;
}

/** One message of the conversation as the agent reads it in the transcript. */
export interface TranscriptMessage {
  /** `note`: something that happened rather than was said (`event` says what). */
  role: 'seller' | 'bot' | 'agent' | 'note';
  event?: 'seller_left';
  text: string;
  timestamp: string;
  agent?: string;
  delivered?: boolean;
  attachments?: AttachmentInfo[];
}

export type AcceptResult =
  | { status: 'ok'; session: Session; notified: boolean; already: boolean }
  | { status: 'conflict'; agent: string }
  | { status: 'not_found' };

export type MessageResult =
  | { status: 'ok'; message: AgentMessage }
  | { status: 'undelivered' | 'seller_left'; message: AgentMessage }
  | { status: 'forbidden' | 'not_found' | 'not_active' };

export type CloseResult =
  | { status: 'ok'; caseNumber: string; notified: boolean; dismissed: boolean }
  | { status: 'forbidden' | 'not_found' | 'not_accepted' };

/** Marks agent messages in the transcript store; their text and delivery status come from the hub's own table. */
export const AGENT_CHANNEL_DATA_KEY = 'handoff';
const DRAFT_TICKET_MINUTES = 30;
const MISSED_VISIBLE_DAYS = 7;
/** Queue snapshots to agents at most this often. */
const QUEUE_SNAPSHOT_MS = 250;
/** Entries of each list in one queue view; the missed list is paged (GET /api/agent/queue?missedBefore=). */
const QUEUE_VIEW_MAX_WAITING = 200;
const QUEUE_VIEW_MAX_MISSED = 50;
/** Longest command ("forget it, cancel the wait") worth checking against the classifier while a seller waits. */
const COMMAND_MAX_LENGTH = 40;
/** Position updates at most this often (reaching the front is always told). */
const POSITION_UPDATE_MIN_MS = 60_000;
/** Recent activities read for the agent's summary, and attached to `handoff.initiate` in protocol mode. */
const SUMMARY_ACTIVITIES = 60;
const PROTOCOL_TRANSCRIPT_ACTIVITIES = 100;

/** Ends a live chat from the seller's side; nothing else does (a seller may write "취소" about an order). */
const END_PHRASES = new Set(
  ['상담 종료', '상담 종료할게요', '상담 종료해 주세요', '상담 끝', '상담 끝낼게요', '채팅 종료', '대화 종료', '종료', 'end chat', 'end the chat', 'end'].map(
    utteranceKey,
  ),
);
/** Used when no classifier is given (unit tests, other hosts). */
const CANCEL_PHRASES = new Set(['취소', '대기 취소', '대기 취소할게요', '연결 취소', '상담 취소', '그만', 'cancel', 'stop', 'quit', 'never mind'].map(utteranceKey));
const AGENT_PHRASES = new Set(['상담사', '상담원', '상담사 연결', '사람', 'agent', 'human', 'talk to an agent'].map(utteranceKey));

type Command = 'cancel' | 'agent' | 'end' | undefined;

class SellerUnreachable extends Error {}

/** Where a proactive message goes: a conversation of one channel. */
type Target = Pick<Session, 'conversationId' | 'channelId'>;

function iso(date: Date): string {
  return date.toISOString();
}

export class HandoffHub implements HandoffPort {
  readonly store: HandoffStore;
  readonly auth: AgentAuth;
  readonly events = new AgentEvents();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private server?: Server;
  private queueSnapshotTimer?: NodeJS.Timeout;
  /** Agent messages whose first delivery attempt sendAgentMessage is still waiting for. */
  private readonly sending = new Set<number>();

  private readonly handoffsPerAddress: { take(key: string): { allowed: boolean } };

  constructor(private readonly deps: HandoffHubDeps) {
    const perAddress = deps.config.HANDOFF_LIMIT_PER_ADDRESS;
    this.handoffsPerAddress = perAddress > 0 ? new SlidingWindowLimiter(perAddress, 10 * 60_000, () => deps.now().getTime()) : { take: () => ({ allowed: true }) };
    this.store = new HandoffStore(deps.db);
    this.auth = new AgentAuth(deps.config, deps.db, deps.now);
    deps.outbox?.onDelivered((event) => this.onOutboxDelivered(event));
  }

  // ---- texts -------------------------------------------------------------------------------------

  private text(key: ResponseKey, language: Language, values?: TemplateValues): string {
    return this.deps.knowledge.text(key, language, values);
  }

  private message(key: ResponseKey, language: Language, values?: TemplateValues): Partial<Activity> {
    return { type: 'message', text: this.text(key, language, values) };
  }

  /** How sellers see an agent: by name, or as "고객센터 상담사" while the local agent has chosen no name. */
  private agentFacing(agent: string, language: Language): { name: string; prefix: string; joined: string } {
    if (agent !== LOCAL_AGENT_NAME) {
      return { name: agent, prefix: this.text('handoff.agent_prefix', language, { agent }), joined: this.text('handoff.agent_joined', language, { agent }) };
    }
    return {
      name: this.text('handoff.unnamed_agent', language),
      prefix: this.text('handoff.agent_prefix_unnamed', language),
      joined: this.text('handoff.agent_joined_unnamed', language),
    };
  }

  private waitText(minutes: number, language: Language): string {
    return this.text('handoff.wait_minutes', language, { minutes: Math.max(1, Math.round(minutes)) });
  }

  /** The other ways to reach the customer center: configured values first, else where to find them. */
  alternatives(language: Language): Partial<Activity> {
    const { SUPPORT_PHONE, SUPPORT_EMAIL, SUPPORT_INQUIRY_URL } = this.deps.config;
    const values: Record<string, string | undefined> = { phone: SUPPORT_PHONE, email: SUPPORT_EMAIL, inquiry: SUPPORT_INQUIRY_URL };
    const lines = this.deps.knowledge.channels
      .filter((c) => c.id !== 'chat')
      .map((c) => {
        const value = values[c.id];
        const main = value ? render(c.withValue[language], { value }) : `${c.name[language]}: ${c.whereToFind[language]}`;
        return `• ${main} (${c.typicalResponse[language]})`;
      });
    return { type: 'message', text: lines.join('\n') };
  }

  /**
   * "2026-05-01 14:32 (Asia/Seoul)". Local dates and times come from the business hours, so
   * SUPPORT_TIMEZONE is formatted in one place (its per-minute cache also answers caseDate(now) right
   * after request() asked isOpen(now)).
   */
  formatDate(date: Date): string {
    const hours = this.deps.config.businessHours;
    const local = hours.localDateTime(date);
    return `${local.date} ${local.time} (${hours.timeZone})`;
  }

  /** "260501" */
  private caseDate(date: Date): string {
    return this.deps.config.businessHours.localDateTime(date).date.slice(2).replaceAll('-', '');
  }

  // ---- estimates ---------------------------------------------------------------------------------

  get agentsOnline(): number {
    return this.events.agentsOnline.length;
  }

  private estimate(position: number): number {
    return estimateWaitMinutes({
      position,
      agentsOnline: this.agentsOnline,
      activeChats: this.store.active().length,
      handlingMinutes: typicalHandlingMinutes(this.store.recentHandlingMinutes()),
    });
  }

  snapshot(): { waiting: number; estimatedWaitMinutes: number; agentsOnline: number } {
    const waiting = this.store.waiting().length;
    return { waiting, estimatedWaitMinutes: this.estimate(waiting + 1), agentsOnline: this.agentsOnline };
  }

  // ---- seller side -------------------------------------------------------------------------------

  async request(context: TurnContext, reason: HandoffReason, details: HandoffDetails = {}): Promise<void> {
    const { config } = this.deps;
    const activity = context.activity;
    const conversationId = activity.conversation.id;
    const now = this.deps.now();
    const open = this.store.openSession(conversationId);
    const language = turnLanguage(context);
    if (open && open.channelId !== activity.channelId) {
      // At most one open handoff per conversation id (agents address it by that id alone).
      await context.sendActivities([this.message('handoff.channel_unsupported', language), this.alternatives(language)]);
      return;
    }
    if (open) {
      if (open.status === 'waiting') {
        await context.sendActivity(withLeaveButton(this.deps.knowledge, language, this.text('handoff.already_waiting', language, { position: ordinal(this.store.position(open), language) })));
      }
      return;
    }

    const replies: Partial<Activity>[] = [];
    const topicName = details.topic ? this.deps.knowledge.outOfScope[details.topic]?.[language] : undefined;
    if (reason === 'no_match') replies.push(topicName ? this.message('handoff.named_topic', language, { topic: topicName }) : this.message('handoff.no_match', language));

    if (!activity.serviceUrl) {
      // Only expectReplies: nobody could write to this seller once the turn is over.
      replies.push(this.message('handoff.channel_unsupported', language), this.alternatives(language));
      await context.sendActivities(replies);
      return;
    }

    if (!config.businessHours.isOpen(now)) {
      this.store.createDraftTicket(conversationId, activity.channelId, language, iso(now), this.caseDate(now));
      replies.push(
        this.message('handoff.out_of_hours', language, { schedule: config.businessHours.describe(language) }),
        this.alternatives(language),
        this.message('handoff.ticket_prompt', language),
      );
      await context.sendActivities(replies);
      return;
    }

    // Unauthenticated sellers are limited per address (HANDOFF_LIMIT_PER_ADDRESS per 10 minutes); a
    // platform's or authenticated channel's few addresses carry all its sellers, so never those.
    const client = this.isAuthenticatedChannel(context) ? undefined : activityClient(activity);
    if (client && !this.handoffsPerAddress.take(client).allowed) {
      this.deps.logger.warn({ conversationId, ip: client }, 'handoff refused: too many from this address');
      replies.push(this.message('handoff.too_many_requests', language), this.alternatives(language));
      await context.sendActivities(replies);
      return;
    }
    this.store.deleteDraftTickets(conversationId);
    // One read for the summary and handoff.initiate: this turn is logged only when it ends, and the
    // conversation's other turns wait for it (ConversationQueue), so a second read would find the same.
    const protocol = config.HANDOFF_MODE !== 'hub';
    const recent = this.deps.transcripts.getRecentActivities(activity.channelId, conversationId, protocol ? PROTOCOL_TRANSCRIPT_ACTIVITIES : SUMMARY_ACTIVITIES);
    const summary = this.summaryFor(context, recent.slice(-SUMMARY_ACTIVITIES));
    if (details.topic) summary.oosTopic = details.topic;
    const position = this.store.waiting().length + 1;
    const estimateMinutes = this.estimate(position);
    const session = this.store.createSession(
      { conversationId, channelId: activity.channelId, reason, language, queuedAt: iso(now), summary, estimateMinutes, position },
      this.caseDate(now),
    );
    if (!session) {
      // Queued by a concurrent turn a moment ago.
      const current = this.store.openSession(conversationId);
      if (current?.status === 'waiting') replies.push(this.message('handoff.already_waiting', language, { position: ordinal(this.store.position(current), language) }));
      if (replies.length) await context.sendActivities(replies);
      return;
    }
    const actualPosition = this.store.position(session);
    // One message: with nobody online, no minutes that the next sentence would contradict.
    const nobodyOnline = this.agentsOnline === 0 && config.HANDOFF_MODE !== 'protocol';
    replies.push(
      queuedMessage(this.deps.knowledge, language, {
        position: actualPosition,
        waitText: nobodyOnline ? undefined : this.waitText(estimateMinutes, language),
        alternatives: nobodyOnline ? this.alternatives(language).text : undefined,
      }),
    );
    this.deps.logger.info({ conversationId, reason, position: actualPosition, caseNumber: session.caseNumber }, 'handoff queued');
    await context.sendActivities(replies);

    if (protocol) await this.initiateProtocolHandoff(context, session, recent);
    this.events.broadcast('waiting', this.waitingEntry(session, actualPosition));
    this.broadcastQueue();
  }

  /** Emits botbuilder's `handoff.initiate` with the transcript, for a channel that has its own agent hub. */
  private async initiateProtocolHandoff(context: TurnContext, session: Session, recent: Activity[]): Promise<void> {
    const activity = context.activity;
    const transcript = { activities: [...recent, activity as Activity] };
    const handoffContext = {
      reason: session.reason,
      language: session.language,
      caseNumber: session.caseNumber,
      summary: describeSummary(session.summary),
      productNumber: session.summary.productNumber,
    };
    const event = EventFactory.createHandoffInitiation(context, handoffContext, transcript);
    try {
      await context.sendActivity(event);
      this.store.update(session.id, { protocol: true });
    } catch (error) {
      this.deps.logger.warn({ conversationId: activity.conversation.id, err: (error as Error).message }, 'handoff.initiate not delivered');
    }
  }

  private summaryFor(context: TurnContext, recent: Activity[]) {
    const activity = context.activity;
    // The current message is logged at the end of the turn, so it is not in the store yet.
    const incoming = [...recent, activity as Activity].filter((a) => a.type === 'message' && a.from?.role !== 'bot' && this.isFromSeller(a));
    const sellerTexts = incoming.map((a) => a.text ?? '').filter((t) => t.trim() !== '');
    const attachments = incoming.reduce((n, a) => n + (a.attachments?.length ?? 0), 0);
    const classifier = this.deps.classifier;
    return buildSummary({
      sellerTexts,
      attachments,
      classify: classifier ? (text) => classifier.classify(text).intent : undefined,
      menu: this.deps.knowledge.menu,
    });
  }

  private isFromSeller(activity: Partial<Activity>): boolean {
    return activity.from?.role === 'user' || (activity.from?.role === undefined && activity.recipient?.role === 'bot');
  }

  private command(text: string, live: boolean): Command {
    const key = utteranceKey(text);
    if (!key) return undefined;
    if (END_PHRASES.has(key)) return 'end';
    if (live || text.length > COMMAND_MAX_LENGTH) return undefined;
    const classifier = this.deps.classifier;
    if (classifier) {
      const { intent, score } = classifier.classify(text);
      if (intent === 'cancel' && score >= 0.6) return 'cancel';
      if (intent === 'agent' && score >= 0.9) return 'agent';
      return undefined;
    }
    if (CANCEL_PHRASES.has(key)) return 'cancel';
    if (AGENT_PHRASES.has(key)) return 'agent';
    return undefined;
  }

  /** Runs before the dialogs: messages of sellers who wait, chat with an agent or leave a ticket go to the hub. */
  sellerMiddleware(): MiddlewareHandler {
    return async (context, next) => {
      const activity = context.activity;
      if (activity.type === 'event' && activity.name === 'handoff.status') return this.onHandoffStatus(context);
      if (activity.type === 'endOfConversation' && activity.conversation?.id) {
        await this.sellerLeft(activity.conversation.id, activity.channelId);
        return next();
      }
      if (activity.type !== 'message' || !activity.conversation?.id) return next();
      // Sessions and tickets are the conversation's only on the channel that opened them.
      const open = this.store.openSession(activity.conversation.id);
      const session = open?.channelId === activity.channelId ? open : undefined;
      if (session?.status === 'waiting') return this.whileWaiting(context, session, next);
      if (session?.status === 'active') return this.whileActive(context, session);
      const draft = this.store.draftTicket(activity.conversation.id);
      if (draft && draft.channelId === activity.channelId && (await this.fillTicket(context, draft))) return;
      return next();
    };
  }


  /**
   * The seller abandoned the conversation: a Bot Framework endOfConversation, the web chat's 새 상담 or a
   * tab closed for good (and any channel's "user left", e.g. TalkTalk's leave). A queued request or live
   * chat ends for the agents with a note; what an agent sends afterwards is kept, marked undelivered.
   * Nothing is sent to the seller, who is gone. Returns whether a request or chat ended.
   */
  async sellerLeft(conversationId: string, channelId: string): Promise<boolean> {
    // Only the channel that opened the request may end it: the same id on another channel is someone else.
    const draft = this.store.draftTicket(conversationId);
    if (draft?.channelId === channelId) this.store.deleteDraftTickets(conversationId);
    const session = this.store.openSession(conversationId);
    if (!session || session.channelId !== channelId || (session.status !== 'waiting' && session.status !== 'active')) return false;
    if (!this.store.close(session.id, 'left', iso(this.deps.now()), [session.status])) return false;
    this.deps.logger.info({ conversationId, channelId, caseNumber: session.caseNumber, was: session.status }, 'seller left');
    this.events.broadcast('closed', { conversationId, agent: session.agent, caseNumber: session.caseNumber, by: 'left' });
    this.broadcastQueue();
    return true;
  }

  private relayToAgents(context: TurnContext, session: Session): void {
    const activity = context.activity;
    const timestamp = activity.timestamp ? new Date(activity.timestamp) : new Date();
    this.events.broadcast('message', {
      conversationId: session.conversationId,
      role: 'seller',
      text: activity.text ?? '',
      timestamp: iso(Number.isNaN(timestamp.getTime()) ? new Date() : timestamp),
      attachments: attachmentsOf(activity),
      status: session.status,
      agent: session.agent,
    });
  }

  // The seller is answered in the language of the conversation when they were queued: what they write
  // for the agent (an error code, "<script>", a product name) says little about the language they read.
  private async whileWaiting(context: TurnContext, session: Session, next: () => Promise<void>): Promise<void> {
    const text = context.activity.text ?? '';
    const language = session.language;
    const command = this.command(text, false);
    if (command === 'cancel' || command === 'end') {
      if (this.store.close(session.id, 'cancelled', iso(this.deps.now()), ['waiting'])) {
        this.deps.logger.info({ conversationId: session.conversationId }, 'seller left the queue');
        await context.sendActivity(this.text('handoff.left_queue', language));
        this.events.broadcast('cancelled', { conversationId: session.conversationId, caseNumber: session.caseNumber });
        this.broadcastQueue();
      }
      return;
    }
    if (command === 'agent') {
      await context.sendActivity(withLeaveButton(this.deps.knowledge, language, this.text('handoff.already_waiting', language, { position: ordinal(this.store.position(session), language) })));
      return;
    }
    // A question the bot can answer is answered; the seller keeps their place, the agent sees both in the transcript.
    const classifier = this.deps.classifier;
    if (classifier && isQuestionForTheBot(classifier, text, context.activity.attachments?.length ?? 0)) {
      this.store.update(session.id, { summary: withSellerQuestion(withSellerMessage(session.summary, text, 0), text) });
      this.relayToAgents(context, session);
      this.broadcastQueue();
      await next();
      const still = this.text('handoff.still_in_line', language, { position: ordinal(this.store.position(session), language) });
      await context.sendActivity(withLeaveButton(this.deps.knowledge, language, still));
      return;
    }
    // Details for the agent (the transcript keeps them); the bot stays quiet but for a first short ack.
    const summary = withSellerMessage(session.summary, text, context.activity.attachments?.length ?? 0);
    this.store.update(session.id, { summary, sellerAcked: true });
    this.relayToAgents(context, session);
    this.broadcastQueue();
    if (!session.sellerAcked) await context.sendActivity(withLeaveButton(this.deps.knowledge, language, this.text('handoff.message_received', language)));
  }

  private async whileActive(context: TurnContext, session: Session): Promise<void> {
    const language = session.language;
    if (this.command(context.activity.text ?? '', true) === 'end') {
      const now = this.deps.now();
      if (!this.store.close(session.id, 'seller', iso(now), ['active'])) return;
      this.deps.logger.info({ conversationId: session.conversationId, agent: session.agent }, 'seller ended the chat');
      await context.sendActivities([
        this.message('handoff.ended_by_seller', language),
        this.message('handoff.closed_summary', language, { agent: this.agentFacing(session.agent ?? '', language).name, date: this.formatDate(now), caseNumber: session.caseNumber }),
      ]);
      this.events.broadcast('closed', { conversationId: session.conversationId, agent: session.agent, caseNumber: session.caseNumber, by: 'seller' });
      this.broadcastQueue();
      return;
    }
    this.relayToAgents(context, session);
  }

  /** Outside hours the seller's next message becomes a ticket. Returns false to let the bot answer instead. */
  private async fillTicket(context: TurnContext, draft: Ticket): Promise<boolean> {
    const now = this.deps.now();
    if (Date.parse(draft.createdAt) < now.getTime() - DRAFT_TICKET_MINUTES * 60_000) {
      this.store.deleteDraftTickets(draft.conversationId);
      return false;
    }
    const text = context.activity.text ?? '';
    const attachments = attachmentsOf(context.activity);
    const language = draft.language;
    const command = this.command(text, false);
    if (command === 'agent') {
      // Asking again: the dialogs call request(), which explains the hours once more.
      this.store.deleteDraftTickets(draft.conversationId);
      return false;
    }
    if (command === 'cancel' || command === 'end') {
      this.store.deleteDraftTickets(draft.conversationId);
      await context.sendActivity(this.text('handoff.ticket_cancelled', language));
      return true;
    }
    if (!text.trim() && attachments.length === 0) return false;
    const ticket = this.store.saveTicket(draft.id, text, attachments, iso(now));
    if (!ticket) return false;
    this.deps.logger.info({ conversationId: ticket.conversationId, caseNumber: ticket.caseNumber }, 'offline ticket saved');
    await context.sendActivity(this.text('handoff.ticket_saved', language, { caseNumber: ticket.caseNumber }));
    this.events.broadcast('ticket', this.ticketEntry(ticket));
    this.broadcastQueue();
    return true;
  }

  /** Whether the turn's activity came through Bot Framework authentication (never the local, open path). */
  private isAuthenticatedChannel(context: TurnContext): boolean {
    return isAuthenticatedTurn(context, this.deps.config);
  }

  private async onHandoffStatus(context: TurnContext): Promise<void> {
    const { config, logger } = this.deps;
    const conversationId = context.activity.conversation?.id;
    const value = (context.activity.value ?? {}) as { state?: unknown; message?: unknown; agentName?: unknown };
    if (config.HANDOFF_MODE === 'hub' || !this.isAuthenticatedChannel(context)) {
      logger.warn({ conversationId, state: value.state }, 'handoff.status ignored (hub mode or unauthenticated channel)');
      return;
    }
    const session = conversationId ? this.store.openSession(conversationId) : undefined;
    if (!session) return;
    const now = iso(this.deps.now());
    logger.info({ conversationId, state: value.state }, 'handoff.status');
    if (value.state === 'accepted' && session.status === 'waiting') {
      const agent = typeof value.agentName === 'string' && value.agentName ? value.agentName.slice(0, 64) : 'external';
      if (this.store.accept(session.id, agent, now)) this.events.broadcast('accepted', { conversationId, agent, external: true });
    } else if (value.state === 'completed') {
      if (this.store.close(session.id, 'protocol', now, ['waiting', 'active'])) {
        this.events.broadcast('closed', { conversationId, agent: session.agent, caseNumber: session.caseNumber, by: 'protocol' });
      }
    } else if (value.state === 'failed' && config.HANDOFF_MODE === 'protocol' && session.status === 'waiting') {
      // Nobody else can take it: tell the seller as for a time-out; agents still see it as missed.
      if (this.store.markMissed(session.id, now)) {
        await context.sendActivities([this.message('handoff.timeout', session.language), this.alternatives(session.language)]);
        this.events.broadcast('missed', { conversationId, caseNumber: session.caseNumber });
      }
    } else {
      return;
    }
    this.broadcastQueue();
  }

  // ---- proactive messages ------------------------------------------------------------------------

  /** Sends to a seller outside their turn. Throws SellerUnreachable when the channel does not take it. */
  private async deliver(to: Target, activities: Partial<Activity>[], agent?: string): Promise<void> {
    const { conversationId, channelId } = to;
    const reference = this.deps.references.get(channelId, conversationId);
    if (!reference?.serviceUrl) throw new SellerUnreachable('no conversation reference with a serviceUrl');
    const send = async () => {
      let failure: unknown;
      let responses: ResourceResponse[] = [];
      let undelivered = 0;
      await this.deps.adapter.continueConversationAsync(this.deps.config.MicrosoftAppId, reference as ConversationReference, async (context) => {
        if (agent) {
          // Channels that show `from.name` (Web Chat) show the agent's name; the transcript marks the message as the agent's.
          context.onSendActivities(async (_ctx, outgoing, next) => {
            for (const a of outgoing) a.from = { ...a.from, id: a.from?.id ?? '', name: agent };
            return next();
          });
        }
        try {
          responses = await context.sendActivities(activities);
          undelivered = undeliveredIn(context); // the context is revoked once this callback returns
        } catch (error) {
          failure = error;
        }
      });
      if (failure) throw new SellerUnreachable((failure as Error).message ?? String(failure));
      // The adapter answers a channel time-out with no responses rather than an error.
      if (responses.length < activities.length) throw new SellerUnreachable('the channel did not answer in time');
      if (undelivered > 0) throw new SellerUnreachable('the channel did not take it yet (kept in the outbox, retried)');
    };
    await (this.deps.queue ? this.deps.queue.run(conversationKey(channelId, conversationId), send) : send());
  }

  /**
   * The outbox delivered something late (a retry): an agent message is marked delivered and the agents
   * told (the same `message` event with `delivered: true`, which the console applies to the message it
   * shows); the queue's undelivered counts change.
   */
  private onOutboxDelivered(event: DeliveredEvent): void {
    const marker = (event.activity.channelData as Record<string, { messageId?: unknown } | undefined> | undefined)?.[AGENT_CHANNEL_DATA_KEY];
    const id = Number(marker?.messageId);
    if (marker && Number.isSafeInteger(id) && !this.sending.has(id)) {
      const message = this.store.agentMessage(id);
      if (message && !message.delivered) {
        this.store.markDelivered(id);
        this.deps.logger.info({ conversationId: message.conversationId, agent: message.agent, messageId: id }, 'agent message delivered late');
        this.events.broadcast('message', {
          conversationId: message.conversationId,
          role: 'agent',
          agent: message.agent,
          text: message.text,
          timestamp: message.createdAt,
          delivered: true,
          messageId: id,
        });
      }
    }
    if (event.retried && this.events.connections > 0 && this.store.openSession(event.conversationId)) this.broadcastQueue();
  }

  /** Like deliver, but logs instead of throwing; returns whether the seller got it. */
  private async notify(to: Target, activities: Partial<Activity>[], what: string): Promise<boolean> {
    try {
      await this.deliver(to, activities);
      return true;
    } catch (error) {
      this.deps.logger.warn({ conversationId: to.conversationId, err: (error as Error).message }, `${what} not delivered`);
      return false;
    }
  }

  // ---- agent side --------------------------------------------------------------------------------

  private waitingEntry(session: Session, position: number) {
    const waitingSeconds = Math.max(0, Math.round((this.deps.now().getTime() - Date.parse(session.queuedAt)) / 1000));
    return {
      conversationId: session.conversationId,
      position,
      waitingSince: session.queuedAt,
      waitingSeconds,
      reason: session.reason,
      language: session.language,
      summary: describeSummary(session.summary),
      topics: session.summary.topics,
      productNumber: session.summary.productNumber,
      lastMessage: session.summary.lastMessage,
      caseNumber: session.caseNumber,
      channelId: session.channelId,
      ...(session.summary.oosTopic ? { topic: session.summary.oosTopic } : {}),
      questions: session.summary.questions ?? [],
    };
  }

  private ticketEntry(ticket: Ticket) {
    return {
      caseNumber: ticket.caseNumber,
      conversationId: ticket.conversationId,
      createdAt: ticket.savedAt ?? ticket.createdAt,
      language: ticket.language,
      text: ticket.text ?? '',
      attachments: ticket.attachments,
      channelId: ticket.channelId,
    };
  }

  /** What agents see; lists are capped (waitingTotal, missedMore say there is more; missedBefore pages the missed list). */
  queueView({ missedBefore }: { missedBefore?: string } = {}) {
    const now = this.deps.now();
    const since = iso(new Date(now.getTime() - MISSED_VISIBLE_DAYS * 86_400_000));
    const waiting = this.store.waiting();
    const missed = this.store.missed(since, QUEUE_VIEW_MAX_MISSED + 1, missedBefore);
    // Messages (bot or agent) the seller's channel has not taken yet: `undelivered` on the entry, when any.
    const pending = this.deps.outbox?.pendingCounts() ?? new Map<string, number>();
    const flag = <T extends { conversationId: string }>(entry: T): T & { undelivered?: number } =>
      pending.has(entry.conversationId) ? { ...entry, undelivered: pending.get(entry.conversationId) } : entry;
    return {
      waiting: waiting.slice(0, QUEUE_VIEW_MAX_WAITING).map((s, i) => flag(this.waitingEntry(s, i + 1))),
      waitingTotal: waiting.length,
      active: this.store.active().map((s) =>
        flag({
          conversationId: s.conversationId,
          agent: s.agent ?? '',
          acceptedAt: s.acceptedAt,
          waitingSince: s.queuedAt,
          reason: s.reason,
          language: s.language,
          summary: describeSummary(s.summary),
          caseNumber: s.caseNumber,
          channelId: s.channelId,
        }),
      ),
      missedMore: missed.length > QUEUE_VIEW_MAX_MISSED,
      missed: missed.slice(0, QUEUE_VIEW_MAX_MISSED).map((s) => ({
        conversationId: s.conversationId,
        waitingSince: s.queuedAt,
        missedAt: s.closedAt,
        reason: s.reason,
        language: s.language,
        summary: describeSummary(s.summary),
        caseNumber: s.caseNumber,
        channelId: s.channelId,
      })),
      tickets: this.store.openTickets().map((t) => this.ticketEntry(t)),
    };
  }

  /**
   * The whole queue goes to every stream at most every QUEUE_SNAPSHOT_MS: a flood of requests changes it
   * hundreds of times a second, and each change would be sent to every agent.
   */
  private broadcastQueue(): void {
    if (this.events.connections === 0 || this.queueSnapshotTimer) return;
    this.queueSnapshotTimer = setTimeout(() => {
      this.queueSnapshotTimer = undefined;
      if (this.events.connections > 0) this.events.broadcast('queue', this.queueView());
    }, QUEUE_SNAPSHOT_MS);
  }

  /** Opens an agent's event stream (the agent counts as online while it is open). */
  openEvents(agent: string, res: ServerResponse): void {
    const client = this.events.open(agent, res, () => {
      this.events.broadcast('agents', { online: this.events.agentsOnline.length, agents: this.events.agentsOnline });
    });
    this.events.send(client, 'hello', { agent, agentsOnline: this.events.agentsOnline.length, agents: this.events.agentsOnline });
    this.events.send(client, 'queue', this.queueView());
  }

  async accept(conversationId: string, agent: string): Promise<AcceptResult> {
    const now = this.deps.now();
    const open = this.store.openSession(conversationId);
    if (open?.status === 'active') {
      return open.agent === agent ? { status: 'ok', session: open, notified: true, already: true } : { status: 'conflict', agent: open.agent ?? '' };
    }
    let session: Session | undefined;
    const candidate = open ?? this.store.latestSession(conversationId);
    if (candidate && (candidate.status === 'waiting' || candidate.status === 'missed')) {
      if (!this.store.accept(candidate.id, agent, iso(now))) {
        const current = this.store.openSession(conversationId);
        if (current?.status === 'active' && current.agent !== agent) return { status: 'conflict', agent: current.agent ?? '' };
        return { status: 'not_found' };
      }
      session = this.store.session(candidate.id)!;
    } else {
      // An offline ticket: the agent answers it in a live chat.
      const ticket = this.store.openTicketsOf(conversationId)[0];
      if (!ticket) return { status: 'not_found' };
      session = this.store.createSession(
        {
          conversationId,
          channelId: ticket.channelId,
          reason: 'ticket',
          language: ticket.language,
          queuedAt: iso(now),
          summary: buildSummary({ sellerTexts: ticket.text ? [ticket.text] : [], attachments: ticket.attachments.length, menu: this.deps.knowledge.menu }),
          estimateMinutes: 0,
          position: 0,
          status: 'active',
          agent,
        },
        this.caseDate(now),
      );
      if (!session) {
        const current = this.store.openSession(conversationId);
        return current?.status === 'active' && current.agent !== agent ? { status: 'conflict', agent: current.agent ?? '' } : { status: 'not_found' };
      }
      for (const t of this.store.openTicketsOf(conversationId)) this.store.setTicketStatus(t.id, 'answered');
    }
    this.deps.logger.info({ conversationId, agent, caseNumber: session.caseNumber }, 'agent accepted');
    this.events.broadcast('accepted', { conversationId, agent, caseNumber: session.caseNumber });
    this.broadcastQueue();
    const notified = await this.notify(session, [{ type: 'message', text: this.agentFacing(agent, session.language).joined }], 'agent_joined');
    return { status: 'ok', session, notified, already: false };
  }

  /** The local agent chose a display name: their live chats follow (the console's session already does). */
  renameAgent(from: string, to: string): void {
    const renamed = this.store.renameActiveAgent(from, to);
    this.deps.logger.info({ from, to, chats: renamed }, 'agent chose a name');
    if (renamed > 0) this.broadcastQueue();
  }

  async sendAgentMessage(conversationId: string, agent: string, text: string): Promise<MessageResult> {
    const session = this.store.openSession(conversationId) ?? this.store.latestSession(conversationId);
    if (!session) return { status: this.store.knows(conversationId) ? 'forbidden' : 'not_found' };
    if (session.status === 'closed' && session.closedBy === 'left' && session.agent === agent) {
      // The console may not have heard yet that the seller left: kept, never sent, shown undelivered.
      const message = this.store.addAgentMessage(conversationId, session.id, agent, text, iso(new Date()));
      this.events.broadcast('message', { conversationId, role: 'agent', agent, text, timestamp: message.createdAt, delivered: false, messageId: message.id });
      return { status: 'seller_left', message };
    }
    if (session.status !== 'active') return { status: session.status === 'closed' ? 'not_active' : 'forbidden' };
    if (session.agent !== agent) return { status: 'forbidden' };
    const stored = this.store.addAgentMessage(conversationId, session.id, agent, text, iso(new Date()));
    const facing = this.agentFacing(agent, session.language);
    const activity: Partial<Activity> = {
      type: 'message',
      text: `${facing.prefix} ${text}`,
      channelData: { [AGENT_CHANNEL_DATA_KEY]: { role: 'agent', agent, messageId: stored.id } },
    };
    let delivered = true;
    this.sending.add(stored.id);
    try {
      await this.deliver(session, [activity], facing.name);
      this.store.markDelivered(stored.id);
    } catch (error) {
      delivered = false;
      this.deps.logger.warn({ conversationId, agent, err: (error as Error).message }, 'agent message not delivered');
    } finally {
      this.sending.delete(stored.id);
    }
    const message = { ...stored, delivered };
    this.events.broadcast('message', {
      conversationId,
      role: 'agent',
      agent,
      text,
      timestamp: stored.createdAt,
      delivered,
      messageId: stored.id,
    });
    return { status: delivered ? 'ok' : 'undelivered', message };
  }

  async closeByAgent(conversationId: string, agent: string): Promise<CloseResult> {
    const now = this.deps.now();
    const session = this.store.openSession(conversationId) ?? this.store.latestSession(conversationId);
    if (session?.status === 'active') {
      if (session.agent !== agent) return { status: 'forbidden' };
      if (!this.store.close(session.id, 'agent', iso(now), ['active'])) return { status: 'not_found' };
      this.deps.logger.info({ conversationId, agent, caseNumber: session.caseNumber }, 'agent closed the chat');
      this.events.broadcast('closed', { conversationId, agent, caseNumber: session.caseNumber, by: 'agent' });
      this.broadcastQueue();
      const notified = await this.notify(
        session,
        [this.message('handoff.closed_summary', session.language, { agent: this.agentFacing(agent, session.language).name, date: this.formatDate(now), caseNumber: session.caseNumber })],
        'closed_summary',
      );
      return { status: 'ok', caseNumber: session.caseNumber, notified, dismissed: false };
    }
    if (session?.status === 'waiting') return { status: 'not_accepted' };
    if (session?.status === 'missed' && this.store.close(session.id, 'dismissed', iso(now), ['missed'])) {
      this.broadcastQueue();
      return { status: 'ok', caseNumber: session.caseNumber, notified: false, dismissed: true };
    }
    const tickets = this.store.openTicketsOf(conversationId);
    if (tickets.length) {
      for (const t of tickets) this.store.setTicketStatus(t.id, 'dismissed');
      this.broadcastQueue();
      return { status: 'ok', caseNumber: tickets[0].caseNumber, notified: false, dismissed: true };
    }
    return { status: 'not_found' };
  }

  /** The whole conversation as the agent reads it; undefined for a conversation the hub never saw. */
  transcript(conversationId: string): { messages: TranscriptMessage[]; session: ReturnType<HandoffHub['sessionInfo']> } | undefined {
    if (!this.store.knows(conversationId)) return undefined;
    const session = this.store.latestSession(conversationId);
    const channelId = session?.channelId ?? this.store.openTicketsOf(conversationId)[0]?.channelId;
    const agentMessages = new Map(this.store.agentMessages(conversationId).map((m) => [m.id, m]));
    const toEntry = (m: AgentMessage): TranscriptMessage => ({ role: 'agent', text: m.text, timestamp: m.createdAt, agent: m.agent, delivered: m.delivered });
    // Log order is the truthful order (a channel's clock may differ from ours), so the transcript store's
    // order is kept; agent messages take the place of their logged activity.
    const messages: TranscriptMessage[] = [];
    // Bot messages the seller's channel has not taken yet (logged with their outbox id).
    const pending = new Set(this.deps.outbox?.pendingActivityIds(conversationId) ?? []);
    if (channelId) {
      for (const a of this.deps.transcripts.getRecentActivities(channelId, conversationId, 2000)) {
        if (a.type !== 'message') continue;
        // Only the bot's own outgoing lines carry the agent marker; a seller can put anything in channelData.
        const fromSeller = this.isFromSeller(a);
        const marker = fromSeller ? undefined : (a.channelData as Record<string, { messageId?: unknown } | undefined> | undefined)?.[AGENT_CHANNEL_DATA_KEY];
        if (marker) {
          const agentMessage = agentMessages.get(Number(marker.messageId));
          if (agentMessage) {
            messages.push(toEntry(agentMessage));
            agentMessages.delete(agentMessage.id);
          }
          continue;
        }
        const entry: TranscriptMessage = {
          role: fromSeller ? 'seller' : 'bot',
          text: a.text ?? '',
          timestamp: iso(new Date(a.timestamp ?? Date.now())),
        };
        const attachments = attachmentsOf(a);
        if (attachments.length) entry.attachments = attachments;
        if (entry.role === 'bot' && a.id && pending.has(a.id)) entry.delivered = false;
        messages.push(entry);
      }
    }
    // Messages the channel never took are not in the transcript store: placed by time, as is the note
    // that the seller left.
    const late: TranscriptMessage[] = [...agentMessages.values()].map(toEntry);
    if (session?.closedBy === 'left' && session.closedAt) {
      late.push({ role: 'note', event: 'seller_left', text: 'The seller left the conversation.', timestamp: session.closedAt });
    }
    for (const entry of late.sort((a, b) => a.timestamp.localeCompare(b.timestamp))) {
      const at = messages.findIndex((x) => x.timestamp > entry.timestamp);
      messages.splice(at < 0 ? messages.length : at, 0, entry);
    }
    return { messages, session: this.sessionInfo(session) };
  }

  private sessionInfo(session: Session | undefined) {
    if (!session) return null;
    return {
      status: session.status,
      agent: session.agent,
      caseNumber: session.caseNumber,
      language: session.language,
      reason: session.reason,
      waitingSince: session.queuedAt,
      acceptedAt: session.acceptedAt,
      summary: describeSummary(session.summary),
    };
  }

  dismissTicket(caseNumber: string): boolean {
    const ticket = this.store.ticketByCase(caseNumber);
    if (!ticket || !this.store.setTicketStatus(ticket.id, 'dismissed')) return false;
    this.broadcastQueue();
    return true;
  }

  // ---- periodic work -----------------------------------------------------------------------------

  /** Position updates, "taking longer than expected" and time-outs. Safe to call at any time (tests do). */
  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    const { config } = this.deps;
    const now = this.deps.now();
    const timeoutMs = config.HANDOFF_TIMEOUT_MINUTES * 60_000;
    // The desk closed while sellers waited and no agent is signed in to finish the queue: nobody will come
    // before the time-out, so they hear it now (with the hours) and the request stays visible as missed.
    // An agent still online after hours may take them, so then they wait as usual.
    const desertedAfterHours = !config.businessHours.isOpen(now) && this.agentsOnline === 0 && config.HANDOFF_MODE !== 'protocol';
    let changed = false;
    for (const session of this.store.waiting()) {
      const timedOut = now.getTime() - Date.parse(session.queuedAt) >= timeoutMs;
      if (!timedOut && !desertedAfterHours) continue;
      if (!this.store.markMissed(session.id, iso(now))) continue;
      changed = true;
      const { conversationId, caseNumber, language } = session;
      this.deps.logger.info({ conversationId, caseNumber }, timedOut ? 'handoff timed out' : 'handoff missed: the desk closed');
      this.events.broadcast('missed', { conversationId, caseNumber });
      const notice = timedOut
        ? this.message('handoff.timeout', language)
        : this.message('handoff.closed_while_waiting', language, { schedule: config.businessHours.describe(language) });
      await this.notify(session, [notice, this.alternatives(language)], timedOut ? 'timeout' : 'closed');
    }
    const waiting = this.store.waiting();
    for (const [index, session] of waiting.entries()) {
      const position = index + 1;
      const elapsedMs = now.getTime() - Date.parse(session.queuedAt);
      const lastAt = session.lastNotifiedAt ? Date.parse(session.lastNotifiedAt) : Date.parse(session.queuedAt);
      const improved = isMeaningfulImprovement(session.lastNotifiedPosition, position);
      if (improved && (position === 1 || now.getTime() - lastAt >= POSITION_UPDATE_MIN_MS)) {
        this.store.update(session.id, { lastNotifiedPosition: position, lastNotifiedAt: iso(now) });
        const wait = this.waitText(this.estimate(position), session.language);
        const update = this.text('handoff.position_update', session.language, { position: ordinal(position, session.language), wait });
        await this.notify(session, [withLeaveButton(this.deps.knowledge, session.language, update)], 'position update');
      } else if (!session.waitExceededNotified && elapsedMs > session.estimateMinutes * 60_000) {
        this.store.update(session.id, { waitExceededNotified: true });
        await this.notify(session, [withLeaveButton(this.deps.knowledge, session.language, this.text('handoff.wait_exceeded', session.language))], 'wait_exceeded');
      }
    }
    this.store.deleteDraftsBefore(iso(new Date(now.getTime() - DRAFT_TICKET_MINUTES * 60_000)));
    if (changed) this.broadcastQueue();
  }

  // ---- HTTP and lifecycle ------------------------------------------------------------------------

  registerRoutes(server: Server): void {
    this.server = server;
    registerAgentRoutes(server, { hub: this, auth: this.auth, config: this.deps.config, logger: this.deps.logger, knowledge: this.deps.knowledge });
  }

  start(): void {
    if (this.timer) return;
    const timeoutMs = this.deps.config.HANDOFF_TIMEOUT_MINUTES * 60_000;
    const every = this.deps.tickMs ?? Math.min(5000, Math.max(250, Math.floor(timeoutMs / 2)));
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) => this.deps.logger.error({ err: (error as Error).message }, 'handoff tick failed'));
    }, every);
    this.timer.unref();
    this.announceConsole();
  }

  /** Where the console is; the local token stays out of the logs (bot/banner.ts says where its file is). */
  private announceConsole(): void {
    const address = this.server?.address() as { port?: number } | null | undefined;
    const url = `${this.deps.config.PUBLIC_BASE_URL ?? `http://localhost:${address?.port ?? this.deps.config.PORT}`}/agent`;
    const local = this.auth.local;
    if (!local) {
      this.deps.logger.info({ url, agents: this.auth.agentNames }, 'agent console');
      return;
    }
    this.deps.logger.info({ url, agent: local.name, tokenFile: join(this.deps.config.dataDir, LOCAL_TOKEN_FILE) }, 'agent console (local agent token)');
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.queueSnapshotTimer) clearTimeout(this.queueSnapshotTimer);
    this.queueSnapshotTimer = undefined;
    this.timer = undefined;
    await this.ticking?.catch(() => undefined);
    this.events.closeAll();
  }
}
