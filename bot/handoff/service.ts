// The handoff's rules: a seller's request joins the queue (or gets a ticket, or the alternatives), an agent
// accepts, writes and closes, a seller leaves. Every change is told on `events` (the agents' stream listens).
import { EventEmitter } from 'node:events';
import { type Activity, TurnContext } from 'botbuilder';
import type { IntentClassifier } from '../../intents/classifier';
import type { Knowledge, Language } from '../../knowledge';
import type { HandoffDetails, HandoffPort, HandoffReason } from '../../dialogs/services';
import { turnLanguage } from '../../dialogs/turn';
import { isAuthenticatedTurn, turnChannel } from '../channels';
import { activityClient } from '../clientAddress';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { DeliveredEvent, Outbox } from '../outbox';
import type { Presence, RateLimit, RateLimits } from '../coordination';
import type { SqliteTranscriptStore } from '../storage/sqliteTranscriptStore';
import type { Delivery } from './delivery';
import { estimateWaitMinutes, typicalHandlingMinutes } from './estimate';
import { type AgentMessage, type AttachmentInfo, type ClosedBy, type HandoffEventMap, type Session, type Ticket, canTransition } from './model';
import { type Notices, iso } from './notices';
import { initiateProtocolHandoff } from './protocol';
import type { HandoffStore } from './store';
import { attachmentsOf, buildSummary, describeSummary, isFromSeller } from './summary';
import { AGENT_CHANNEL_DATA_KEY } from './views';
import { ordinal, queuedMessage, withLeaveButton } from './waitingHelp';

/** Recent activities read for the agent's summary, and attached to `handoff.initiate` in protocol mode. */
const SUMMARY_ACTIVITIES = 60;
const PROTOCOL_TRANSCRIPT_ACTIVITIES = 100;

export type AcceptResult =
  | { status: 'ok'; session: Session; notified: boolean; already: boolean }
  | { status: 'conflict'; agent: string }
  | { status: 'not_found' };

export type MessageResult =
  | { status: 'ok'; message: AgentMessage }
  | { status: 'undelivered' | 'seller_left'; message: AgentMessage }
  /** The seller's channel answers only their next message (reach `next-message`): kept until they write. */
  | { status: 'held'; message: AgentMessage }
  | { status: 'forbidden' | 'not_found' | 'not_active' };

export type CloseResult =
  | { status: 'ok'; caseNumber: string; notified: boolean; dismissed: boolean }
  | { status: 'forbidden' | 'not_found' | 'not_accepted' };

/** A channel whose platform has its own agents (TALKTALK_HANDOFF=platform): a handoff goes there instead of our queue. */
export interface PlatformHandoff {
  transfer(context: TurnContext, transfer: { caseNumber: string; language: Language; summary: string }): Promise<void>;
}

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
  store: HandoffStore;
  notices: Notices;
  delivery: Delivery;
  transcripts: SqliteTranscriptStore;
  outbox: Outbox;
  /** Topics for the agent's summary. */
  classifier: IntentClassifier;
  /** Agents with the console open (the wait estimate counts them). */
  presence: Pick<Presence, 'online'>;
  rateLimits: RateLimits;
  now: () => Date;
}

export class HandoffService implements HandoffPort {
  readonly events = new HandoffEvents();
  /** Agent messages whose first delivery attempt sendAgentMessage is still waiting for. */
  private readonly sending = new Set<number>();
  private readonly handoffsPerAddress: RateLimit;
  private readonly platforms = new Map<string, PlatformHandoff>();

  constructor(private readonly deps: HandoffServiceDeps) {
    this.handoffsPerAddress = deps.rateLimits.limit('handoffs-per-address', { limit: deps.config.HANDOFF_LIMIT_PER_ADDRESS, windowMs: 10 * 60_000 });
    deps.outbox.onDelivered((event) => this.onOutboxDelivered(event));
  }

  get agentsOnline(): number {
    return this.deps.presence.online().length;
  }

  /** Handoffs of the channel's sellers go to its platform's agents from now on. */
  usePlatformHandoff(channelId: string, handoff: PlatformHandoff): void {
    this.platforms.set(channelId, handoff);
  }

  estimate(position: number): number {
    const { store } = this.deps;
    return estimateWaitMinutes({
      position,
      agentsOnline: this.agentsOnline,
      activeChats: store.active().length,
      handlingMinutes: typicalHandlingMinutes(store.recentHandlingMinutes()),
    });
  }

  snapshot(): { waiting: number; estimatedWaitMinutes: number; agentsOnline: number } {
    const waiting = this.deps.store.waiting().length;
    return { waiting, estimatedWaitMinutes: this.estimate(waiting + 1), agentsOnline: this.agentsOnline };
  }

  async request(context: TurnContext, reason: HandoffReason, details: HandoffDetails = {}): Promise<void> {
    const { config, store, notices } = this.deps;
    const activity = context.activity;
    const conversationId = activity.conversation.id;
    const now = this.deps.now();
    const open = store.openSession(conversationId);
    const language = turnLanguage(context);
    if (open && open.channelId !== activity.channelId) {
      // At most one open handoff per conversation id (agents address it by that id alone).
      await context.sendActivities([notices.message('handoff.channel_unsupported', language), notices.alternatives(language)]);
      return;
    }
    if (open) {
      if (open.status === 'waiting') {
        await context.sendActivity(withLeaveButton(this.deps.knowledge, language, notices.text('handoff.already_waiting', language, { position: ordinal(store.position(open), language) })));
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

    const platform = this.platforms.get(activity.channelId);
    if (platform) return this.transfer(context, platform, reason, details, replies);

    if (!config.businessHours.isOpen(now)) {
      store.createDraftTicket(conversationId, activity.channelId, language, iso(now), notices.caseDate(now));
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
    store.deleteDraftTickets(conversationId);
    // One read for the summary and handoff.initiate: this turn is logged only when it ends, and the
    // conversation's other turns wait for it (the turn lock), so a second read would find the same.
    const protocol = config.HANDOFF_MODE !== 'hub';
    const recent = this.deps.transcripts.getRecentActivities(activity.channelId, conversationId, protocol ? PROTOCOL_TRANSCRIPT_ACTIVITIES : SUMMARY_ACTIVITIES);
    const summary = this.summaryFor(context, recent.slice(-SUMMARY_ACTIVITIES));
    if (details.topic) summary.oosTopic = details.topic;
    const position = store.waiting().length + 1;
    const estimateMinutes = this.estimate(position);
    const session = store.createSession(
      { conversationId, channelId: activity.channelId, reason, language, queuedAt: iso(now), summary, estimateMinutes, position },
      notices.caseDate(now),
    );
    if (!session) {
      // Queued by a concurrent turn a moment ago.
      const current = store.openSession(conversationId);
      if (current?.status === 'waiting') replies.push(notices.message('handoff.already_waiting', language, { position: ordinal(store.position(current), language) }));
      if (replies.length) await context.sendActivities(replies);
      return;
    }
    const actualPosition = store.position(session);
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
  private async transfer(context: TurnContext, platform: PlatformHandoff, reason: HandoffReason, details: HandoffDetails, replies: Partial<Activity>[]): Promise<void> {
    const { store, notices } = this.deps;
    const activity = context.activity;
    const now = this.deps.now();
    const language = turnLanguage(context);
    const summary = this.summaryFor(context, this.deps.transcripts.getRecentActivities(activity.channelId, activity.conversation.id, SUMMARY_ACTIVITIES));
    if (details.topic) summary.oosTopic = details.topic;
    const session = store.createSession(
      { conversationId: activity.conversation.id, channelId: activity.channelId, reason, language, queuedAt: iso(now), summary, estimateMinutes: 0, position: 0 },
      notices.caseDate(now),
    );
    if (!session || !this.close(session, 'platform')) return;
    this.deps.logger.info({ conversationId: session.conversationId, channelId: session.channelId, reason, caseNumber: session.caseNumber }, 'handoff transferred to the platform');
    if (replies.length) await context.sendActivities(replies);
    await platform.transfer(context, { caseNumber: session.caseNumber, language, summary: describeSummary(session.summary) });
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
  close(session: Session, by: ClosedBy): boolean {
    if (!this.deps.store.close(session.id, by, iso(this.deps.now()), [session.status])) return false;
    const { conversationId, caseNumber } = session;
    if (by === 'cancelled') this.events.emit('cancelled', { conversationId, caseNumber });
    else if (by !== 'dismissed') this.events.emit('closed', { conversationId, agent: session.agent, caseNumber, by });
    this.events.emit('changed', undefined);
    return true;
  }

  /** A waiting request nobody took; false when it changed meanwhile. */
  markMissed(session: Session): boolean {
    if (!this.deps.store.markMissed(session.id, iso(this.deps.now()), [session.status])) return false;
    this.events.emit('missed', { conversationId: session.conversationId, caseNumber: session.caseNumber });
    this.events.emit('changed', undefined);
    return true;
  }

  /** An agent of the channel's own hub took the request (handoff.status `accepted`). */
  acceptExternal(session: Session, agent: string): void {
    if (!this.deps.store.accept(session.id, agent, iso(this.deps.now()), [session.status])) return;
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
    const draft = store.draftTicket(conversationId);
    if (draft?.channelId === channelId) store.deleteDraftTickets(conversationId);
    const session = store.openSession(conversationId);
    if (!session || session.channelId !== channelId) return false;
    if (!this.close(session, 'left')) return false;
    this.deps.logger.info({ conversationId, channelId, caseNumber: session.caseNumber, was: session.status }, 'seller left');
    return true;
  }

  /** What a waiting seller wrote: kept in the summary for the agent and relayed to the agents. */
  noteWhileWaiting(session: Session, changes: Pick<Session, 'summary'> & Partial<Pick<Session, 'sellerAcked'>>, activity: Partial<Activity>): void {
    this.deps.store.update(session.id, changes);
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
  saveTicket(draft: Ticket, text: string, attachments: AttachmentInfo[]): Ticket | undefined {
    const ticket = this.deps.store.saveTicket(draft.id, text, attachments, iso(this.deps.now()));
    if (!ticket) return undefined;
    this.deps.logger.info({ conversationId: ticket.conversationId, caseNumber: ticket.caseNumber }, 'offline ticket saved');
    this.events.emit('ticket', ticket);
    this.events.emit('changed', undefined);
    return ticket;
  }

  async accept(conversationId: string, agent: string): Promise<AcceptResult> {
    const { store, notices } = this.deps;
    const now = this.deps.now();
    const open = store.openSession(conversationId);
    if (open?.status === 'active') {
      return open.agent === agent ? { status: 'ok', session: open, notified: true, already: true } : { status: 'conflict', agent: open.agent ?? '' };
    }
    let session: Session | undefined;
    const candidate = open ?? store.latestSession(conversationId);
    if (candidate && canTransition(candidate.status, 'active')) {
      if (!store.accept(candidate.id, agent, iso(now), [candidate.status])) {
        const current = store.openSession(conversationId);
        if (current?.status === 'active' && current.agent !== agent) return { status: 'conflict', agent: current.agent ?? '' };
        return { status: 'not_found' };
      }
      session = store.session(candidate.id)!;
    } else {
      // An offline ticket: the agent answers it in a live chat.
      const ticket = store.openTicketsOf(conversationId)[0];
      if (!ticket) return { status: 'not_found' };
      session = store.createSession(
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
        notices.caseDate(now),
      );
      if (!session) {
        const current = store.openSession(conversationId);
        return current?.status === 'active' && current.agent !== agent ? { status: 'conflict', agent: current.agent ?? '' } : { status: 'not_found' };
      }
      for (const t of store.openTicketsOf(conversationId)) store.setTicketStatus(t.id, 'answered');
    }
    this.deps.logger.info({ conversationId, agent, caseNumber: session.caseNumber }, 'agent accepted');
    this.events.emit('accepted', { conversationId, agent, caseNumber: session.caseNumber });
    this.events.emit('changed', undefined);
    const notified = await this.deps.delivery.notify(session, [{ type: 'message', text: notices.agentFacing(agent, session.language).joined }], 'agent_joined');
    return { status: 'ok', session, notified, already: false };
  }

  /** The local agent chose a display name: their live chats follow (the console's session already does). */
  renameAgent(from: string, to: string): void {
    const renamed = this.deps.store.renameActiveAgent(from, to);
    this.deps.logger.info({ from, to, chats: renamed }, 'agent chose a name');
    if (renamed > 0) this.events.emit('changed', undefined);
  }

  async sendAgentMessage(conversationId: string, agent: string, text: string): Promise<MessageResult> {
    const { store } = this.deps;
    const session = store.openSession(conversationId) ?? store.latestSession(conversationId);
    if (!session) return { status: store.knows(conversationId) ? 'forbidden' : 'not_found' };
    if (session.status === 'closed' && session.closedBy === 'left' && session.agent === agent) {
      // The console may not have heard yet that the seller left: kept, never sent, shown undelivered.
      const message = store.addAgentMessage(conversationId, session.id, agent, text, iso(this.deps.now()));
      this.events.emit('message', { conversationId, role: 'agent', agent, text, timestamp: message.createdAt, delivered: false, messageId: message.id });
      return { status: 'seller_left', message };
    }
    if (session.status !== 'active') return { status: session.status === 'closed' ? 'not_active' : 'forbidden' };
    if (session.agent !== agent) return { status: 'forbidden' };
    const stored = store.addAgentMessage(conversationId, session.id, agent, text, iso(this.deps.now()));
    const facing = this.deps.notices.agentFacing(agent, session.language);
    const activity: Partial<Activity> = {
      type: 'message',
      text: `${facing.prefix} ${text}`,
      channelData: { [AGENT_CHANNEL_DATA_KEY]: { role: 'agent', agent, messageId: stored.id } },
    };
    let delivered = true;
    let held = false;
    this.sending.add(stored.id);
    try {
      held = (await this.deps.delivery.deliver(session, [activity], facing.name)) === 'held';
      if (held) delivered = false;
      else store.markDelivered(stored.id);
    } catch (error) {
      delivered = false;
      this.deps.logger.warn({ conversationId, agent, err: (error as Error).message }, 'agent message not delivered');
    } finally {
      this.sending.delete(stored.id);
    }
    this.events.emit('message', { conversationId, role: 'agent', agent, text, timestamp: stored.createdAt, delivered, messageId: stored.id });
    return { status: delivered ? 'ok' : held ? 'held' : 'undelivered', message: { ...stored, delivered } };
  }

  async closeByAgent(conversationId: string, agent: string): Promise<CloseResult> {
    const { store } = this.deps;
    const now = this.deps.now();
    const session = store.openSession(conversationId) ?? store.latestSession(conversationId);
    if (session?.status === 'active') {
      if (session.agent !== agent) return { status: 'forbidden' };
      if (!this.close(session, 'agent')) return { status: 'not_found' };
      this.deps.logger.info({ conversationId, agent, caseNumber: session.caseNumber }, 'agent closed the chat');
      const notified = await this.deps.delivery.notify(session, [this.deps.notices.closedSummary(agent, session.language, now, session.caseNumber)], 'closed_summary');
      return { status: 'ok', caseNumber: session.caseNumber, notified, dismissed: false };
    }
    if (session?.status === 'waiting') return { status: 'not_accepted' };
    if (session?.status === 'missed' && this.close(session, 'dismissed')) {
      return { status: 'ok', caseNumber: session.caseNumber, notified: false, dismissed: true };
    }
    const tickets = store.openTicketsOf(conversationId);
    if (tickets.length) {
      for (const t of tickets) store.setTicketStatus(t.id, 'dismissed');
      this.events.emit('changed', undefined);
      return { status: 'ok', caseNumber: tickets[0].caseNumber, notified: false, dismissed: true };
    }
    return { status: 'not_found' };
  }

  dismissTicket(caseNumber: string): boolean {
    const { store } = this.deps;
    const ticket = store.ticketByCase(caseNumber);
    if (!ticket || !store.setTicketStatus(ticket.id, 'dismissed')) return false;
    this.events.emit('changed', undefined);
    return true;
  }

  /**
   * The outbox delivered something late (a retry): an agent message is marked delivered and the agents
   * told (the same `message` event with `delivered: true`, which the console applies to the message it
   * shows); the queue's undelivered counts change.
   */
  private onOutboxDelivered(event: DeliveredEvent): void {
    const { store } = this.deps;
    const marker = (event.activity.channelData as Record<string, { messageId?: unknown } | undefined> | undefined)?.[AGENT_CHANNEL_DATA_KEY];
    const id = Number(marker?.messageId);
    if (marker && Number.isSafeInteger(id) && !this.sending.has(id)) {
      const message = store.agentMessage(id);
      if (message && !message.delivered) {
        store.markDelivered(id);
        this.deps.logger.info({ conversationId: message.conversationId, agent: message.agent, messageId: id }, 'agent message delivered late');
        this.events.emit('message', { conversationId: message.conversationId, role: 'agent', agent: message.agent, text: message.text, timestamp: message.createdAt, delivered: true, messageId: id });
      }
    }
    if (event.retried && store.openSession(event.conversationId)) this.events.emit('changed', undefined);
  }
}
