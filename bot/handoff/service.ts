// The handoff's rules on the seller's side: a request joins the queue (or gets a ticket, or the alternatives),
// a seller waits, writes or leaves; the status changes every side shares (close, missed). What agents do is
// in agentDesk.ts. Every change is told on `events` (the agents' stream listens).
import { EventEmitter } from 'node:events';
import { type Activity, TurnContext } from 'botbuilder';
import type { IntentClassifier } from '../../intents/classifier';
import type { Knowledge } from '../../knowledge';
import type { HandoffDetails, HandoffPort, HandoffReason } from '../../dialogs/services';
import { turnLanguage } from '../../dialogs/turn';
import { type Channel, isAuthenticatedTurn, turnChannel } from '../channels';
import { activityClient } from '../clientAddress';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Presence, RateLimit, RateLimits } from '../coordination';
import type { HandoffRepo, TranscriptRepo } from '../storage/ports';
import { estimateWaitMinutes, typicalHandlingMinutes } from './estimate';
import type { AttachmentInfo, ClosedBy, HandoffEventMap, Session, Ticket } from './model';
import { type Notices, iso } from './notices';
import { initiateProtocolHandoff } from './protocol';
import { attachmentsOf, buildSummary, describeSummary, isFromSeller } from './summary';
import { ordinal, queuedMessage, withLeaveButton } from './waitingHelp';

/** Recent activities read for the agent's summary, and attached to `handoff.initiate` in protocol mode. */
const SUMMARY_ACTIVITIES = 60;
const PROTOCOL_TRANSCRIPT_ACTIVITIES = 100;

/** A typed emitter of the service's events; listeners run synchronously, in order. */
export class HandoffEvents {
  private readonly emitter = new EventEmitter();

  emit<K extends keyof HandoffEventMap>(name: K, data: HandoffEventMap[K]): void {
    this.emitter.emit(name, data);
  }

  on<K extends keyof HandoffEventMap>(name: K, listener: (data: HandoffEventMap[K]) => void): void {
    this.emitter.on(name, listener);
  }
}

export interface HandoffServiceDeps {
  config: Config;
  logger: Logger;
  knowledge: Knowledge;
  store: HandoffRepo;
  notices: Notices;
  transcripts: Pick<TranscriptRepo, 'getRecentActivities'>;
  /** Topics for the agent's summary. */
  classifier: IntentClassifier;
  /** Agents with the console open (the wait estimate counts them). */
  presence: Pick<Presence, 'online'>;
  rateLimits: RateLimits;
  now: () => Date;
}

export class HandoffService implements HandoffPort {
  readonly events = new HandoffEvents();
  private readonly handoffsPerAddress: RateLimit;

  constructor(private readonly deps: HandoffServiceDeps) {
    this.handoffsPerAddress = deps.rateLimits.limit('handoffs-per-address', { limit: deps.config.HANDOFF_LIMIT_PER_ADDRESS, windowMs: 10 * 60_000 });
  }

  get agentsOnline(): number {
    return this.deps.presence.online().length;
  }

  async estimate(position: number): Promise<number> {
    const { store } = this.deps;
    const [active, handling] = await Promise.all([store.active(), store.recentHandlingMinutes()]);
    return estimateWaitMinutes({
      position,
      agentsOnline: this.agentsOnline,
      activeChats: active.length,
      handlingMinutes: typicalHandlingMinutes(handling),
    });
  }

  async snapshot(): Promise<{ waiting: number; estimatedWaitMinutes: number; agentsOnline: number }> {
    const waiting = (await this.deps.store.waiting()).length;
    return { waiting, estimatedWaitMinutes: await this.estimate(waiting + 1), agentsOnline: this.agentsOnline };
  }

  async request(context: TurnContext, reason: HandoffReason, details: HandoffDetails = {}): Promise<void> {
    const { config, store, notices } = this.deps;
    const activity = context.activity;
    const conversationId = activity.conversation.id;
    const now = this.deps.now();
    const open = await store.openSession(conversationId);
    const language = turnLanguage(context);
    if (open && open.channelId !== activity.channelId) {
      // At most one open handoff per conversation id (agents address it by that id alone).
      await context.sendActivities([notices.message('handoff.channel_unsupported', language), notices.alternatives(language)]);
      return;
    }
    if (open) {
      if (open.status === 'waiting') {
        await context.sendActivity(withLeaveButton(this.deps.knowledge, language, notices.text('handoff.already_waiting', language, { position: ordinal(await store.position(open), language) })));
      }
      return;
    }

    const replies: Partial<Activity>[] = [];
    const topicName = details.topic ? this.deps.knowledge.outOfScope[details.topic]?.[language] : undefined;
    if (reason === 'no_match') replies.push(topicName ? notices.message('handoff.named_topic', language, { topic: topicName }) : notices.message('handoff.no_match', language));

    if ((turnChannel(context)?.reach(TurnContext.getConversationReference(activity)) ?? 'none') === 'none') {
      // Only expectReplies, say: nobody could write to this seller once the turn is over.
      replies.push(notices.message('handoff.channel_unsupported', language), notices.alternatives(language));
      await context.sendActivities(replies);
      return;
    }

    const platform = turnChannel(context)?.platformHandoff;
    if (platform) return this.transfer(context, platform, reason, details, replies);

    if (!config.businessHours.isOpen(now)) {
      await store.createDraftTicket(conversationId, activity.channelId, language, iso(now), notices.caseDate(now));
      replies.push(
        notices.message('handoff.out_of_hours', language, { schedule: config.businessHours.describe(language) }),
        notices.alternatives(language),
        notices.message('handoff.ticket_prompt', language),
      );
      await context.sendActivities(replies);
      return;
    }

    // Unauthenticated sellers are limited per address (HANDOFF_LIMIT_PER_ADDRESS per 10 minutes); a
    // platform's or authenticated channel's few addresses carry all its sellers, so never those.
    const client = isAuthenticatedTurn(context, config) ? undefined : activityClient(activity);
    if (client && !(await this.handoffsPerAddress.take(client)).allowed) {
      this.deps.logger.warn({ conversationId, ip: client }, 'handoff refused: too many from this address');
      replies.push(notices.message('handoff.too_many_requests', language), notices.alternatives(language));
      await context.sendActivities(replies);
      return;
    }
    await store.deleteDraftTickets(conversationId);
    // One read for the summary and handoff.initiate: this turn is logged only when it ends, and the
    // conversation's other turns wait for it (the turn lock), so a second read would find the same.
    const protocol = config.HANDOFF_MODE !== 'hub';
    const recent = await this.deps.transcripts.getRecentActivities(activity.channelId, conversationId, protocol ? PROTOCOL_TRANSCRIPT_ACTIVITIES : SUMMARY_ACTIVITIES);
    const summary = this.summaryFor(context, recent.slice(-SUMMARY_ACTIVITIES));
    if (details.topic) summary.oosTopic = details.topic;
    const position = (await store.waiting()).length + 1;
    const estimateMinutes = await this.estimate(position);
    const session = await store.createSession(
      { conversationId, channelId: activity.channelId, reason, language, queuedAt: iso(now), summary, estimateMinutes, position },
      notices.caseDate(now),
    );
    if (!session) {
      // Queued by a concurrent turn a moment ago.
      const current = await store.openSession(conversationId);
      if (current?.status === 'waiting') replies.push(notices.message('handoff.already_waiting', language, { position: ordinal(await store.position(current), language) }));
      if (replies.length) await context.sendActivities(replies);
      return;
    }
    const actualPosition = await store.position(session);
    // One message: with nobody online, no minutes that the next sentence would contradict.
    const nobodyOnline = this.agentsOnline === 0 && config.HANDOFF_MODE !== 'protocol';
    replies.push(
      queuedMessage(this.deps.knowledge, language, {
        position: actualPosition,
        waitText: nobodyOnline ? undefined : notices.waitText(estimateMinutes, language),
        alternatives: nobodyOnline ? notices.alternatives(language).text : undefined,
      }),
    );
    this.deps.logger.info({ conversationId, reason, position: actualPosition, caseNumber: session.caseNumber }, 'handoff queued');
    await context.sendActivities(replies);

    if (protocol) await initiateProtocolHandoff(context, session, recent, store, this.deps.logger);
    this.events.emit('waiting', { session, position: actualPosition });
    this.events.emit('changed', undefined);
  }

  /**
   * The platform's agents take it (their hours and queue are the platform's): the session is recorded as
   * transferred (closed by `platform`), with the summary the platform's agents are sent.
   */
  private async transfer(context: TurnContext, platform: NonNullable<Channel['platformHandoff']>, reason: HandoffReason, details: HandoffDetails, replies: Partial<Activity>[]): Promise<void> {
    const { store, notices } = this.deps;
    const activity = context.activity;
    const now = this.deps.now();
    const language = turnLanguage(context);
    const summary = this.summaryFor(context, await this.deps.transcripts.getRecentActivities(activity.channelId, activity.conversation.id, SUMMARY_ACTIVITIES));
    if (details.topic) summary.oosTopic = details.topic;
    const session = await store.createSession(
      { conversationId: activity.conversation.id, channelId: activity.channelId, reason, language, queuedAt: iso(now), summary, estimateMinutes: 0, position: 0 },
      notices.caseDate(now),
    );
    if (!session || !(await this.close(session, 'platform'))) return;
    this.deps.logger.info({ conversationId: session.conversationId, channelId: session.channelId, reason, caseNumber: session.caseNumber }, 'handoff transferred to the platform');
    if (replies.length) await context.sendActivities(replies);
    await platform(context, { caseNumber: session.caseNumber, language, summary: describeSummary(session.summary) });
  }

  private summaryFor(context: TurnContext, recent: Activity[]) {
    const { classifier } = this.deps;
    // The current message is logged at the end of the turn, so it is not in the store yet.
    const incoming = [...recent, context.activity as Activity].filter((a) => a.type === 'message' && a.from?.role !== 'bot' && isFromSeller(a));
    const sellerTexts = incoming.map((a) => a.text ?? '').filter((t) => t.trim() !== '');
    const attachments = incoming.reduce((n, a) => n + (a.attachments?.length ?? 0), 0);
    return buildSummary({ sellerTexts, attachments, classify: (text) => classifier.classify(text).intent, menu: this.deps.knowledge.menu });
  }

  /** Ends an open or missed session if it is still as `session` says; false when it changed meanwhile. */
  async close(session: Session, by: ClosedBy): Promise<boolean> {
    if (!(await this.deps.store.close(session.id, by, iso(this.deps.now()), [session.status]))) return false;
    const { conversationId, caseNumber } = session;
    if (by === 'cancelled') this.events.emit('cancelled', { conversationId, caseNumber });
    else if (by !== 'dismissed') this.events.emit('closed', { conversationId, agent: session.agent, caseNumber, by });
    this.events.emit('changed', undefined);
    return true;
  }

  /** A waiting request nobody took; false when it changed meanwhile. */
  async markMissed(session: Session): Promise<boolean> {
    if (!(await this.deps.store.markMissed(session.id, iso(this.deps.now()), [session.status]))) return false;
    this.events.emit('missed', { conversationId: session.conversationId, caseNumber: session.caseNumber });
    this.events.emit('changed', undefined);
    return true;
  }

  /** An agent of the channel's own hub took the request (handoff.status `accepted`). */
  async acceptExternal(session: Session, agent: string): Promise<void> {
    if (!(await this.deps.store.accept(session.id, agent, iso(this.deps.now()), [session.status]))) return;
    this.events.emit('accepted', { conversationId: session.conversationId, agent, external: true });
    this.events.emit('changed', undefined);
  }

  /**
   * The seller abandoned the conversation: a Bot Framework endOfConversation, the web chat's 새 상담 or a
   * tab closed for good (and any channel's "user left", e.g. TalkTalk's leave). A queued request or live
   * chat ends for the agents with a note; what an agent sends afterwards is kept, marked undelivered.
   * Nothing is sent to the seller, who is gone. Returns whether a request or chat ended.
   */
  async sellerLeft(conversationId: string, channelId: string): Promise<boolean> {
    const { store } = this.deps;
    // Only the channel that opened the request may end it: the same id on another channel is someone else.
    const draft = await store.draftTicket(conversationId);
    if (draft?.channelId === channelId) await store.deleteDraftTickets(conversationId);
    const session = await store.openSession(conversationId);
    if (!session || session.channelId !== channelId) return false;
    if (!(await this.close(session, 'left'))) return false;
    this.deps.logger.info({ conversationId, channelId, caseNumber: session.caseNumber, was: session.status }, 'seller left');
    return true;
  }

  /** What a waiting seller wrote: kept in the summary for the agent and relayed to the agents. */
  async noteWhileWaiting(session: Session, changes: Pick<Session, 'summary'> & Partial<Pick<Session, 'sellerAcked'>>, activity: Partial<Activity>): Promise<void> {
    await this.deps.store.update(session.id, changes);
    this.relay(session, activity);
    this.events.emit('changed', undefined);
  }

  /** A seller's message in a waiting or live conversation, for the agents. */
  relay(session: Session, activity: Partial<Activity>): void {
    const now = this.deps.now();
    const timestamp = activity.timestamp ? new Date(activity.timestamp) : now;
    this.events.emit('message', {
      conversationId: session.conversationId,
      role: 'seller',
      text: activity.text ?? '',
      timestamp: iso(Number.isNaN(timestamp.getTime()) ? now : timestamp),
      attachments: attachmentsOf(activity),
      status: session.status,
      agent: session.agent,
    });
  }

  /** Outside hours: the seller's message becomes the ticket asked for. */
  async saveTicket(draft: Ticket, text: string, attachments: AttachmentInfo[]): Promise<Ticket | undefined> {
    const ticket = await this.deps.store.saveTicket(draft.id, text, attachments, iso(this.deps.now()));
    if (!ticket) return undefined;
    this.deps.logger.info({ conversationId: ticket.conversationId, caseNumber: ticket.caseNumber }, 'offline ticket saved');
    this.events.emit('ticket', ticket);
    this.events.emit('changed', undefined);
    return ticket;
  }

}
