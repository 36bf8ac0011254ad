// What agents do with the queue: accept a request (or an offline ticket), write to the seller, close or
// dismiss, choose a name; and what an agent message's late delivery changes. The rules every side shares
// (closing, the events) are the service's.
import type { Activity } from 'botbuilder';
import type { DeliveredEvent, Outbox } from '../outbox';
import { type AgentMessage, type Session, canTransition } from './model';
import { iso } from './notices';
import type { HandoffParts } from './scheduler';
import { buildSummary } from './summary';
import { AGENT_CHANNEL_DATA_KEY } from './views';

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

export interface AgentDeskDeps extends HandoffParts {
  outbox: Outbox;
}

export class AgentDesk {
  /** Agent messages whose first delivery attempt sendAgentMessage is still waiting for. */
  private readonly sending = new Set<number>();

  constructor(private readonly deps: AgentDeskDeps) {
    deps.outbox.onDelivered((event) => {
      this.onOutboxDelivered(event).catch((error: unknown) => deps.logger.error({ conversationId: event.conversationId, err: (error as Error).message }, 'late delivery not recorded'));
    });
  }

  async accept(conversationId: string, agent: string): Promise<AcceptResult> {
    const { store, notices } = this.deps;
    const now = this.deps.now();
    const open = await store.openSession(conversationId);
    if (open?.status === 'active') {
      return open.agent === agent ? { status: 'ok', session: open, notified: true, already: true } : { status: 'conflict', agent: open.agent ?? '' };
    }
    let session: Session | undefined;
    const candidate = open ?? (await store.latestSession(conversationId));
    if (candidate && canTransition(candidate.status, 'active')) {
      if (!(await store.accept(candidate.id, agent, iso(now), [candidate.status]))) {
        const current = await store.openSession(conversationId);
        if (current?.status === 'active' && current.agent !== agent) return { status: 'conflict', agent: current.agent ?? '' };
        return { status: 'not_found' };
      }
      session = (await store.session(candidate.id))!;
    } else {
      // An offline ticket: the agent answers it in a live chat.
      const ticket = (await store.openTicketsOf(conversationId))[0];
      if (!ticket) return { status: 'not_found' };
      session = await store.createSession(
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
        const current = await store.openSession(conversationId);
        return current?.status === 'active' && current.agent !== agent ? { status: 'conflict', agent: current.agent ?? '' } : { status: 'not_found' };
      }
      for (const t of await store.openTicketsOf(conversationId)) await store.setTicketStatus(t.id, 'answered');
    }
    this.deps.logger.info({ conversationId, agent, caseNumber: session.caseNumber }, 'agent accepted');
    this.deps.service.events.emit('accepted', { conversationId, agent, caseNumber: session.caseNumber });
    this.deps.service.events.emit('changed', undefined);
    const notified = await this.deps.delivery.notify(session, [{ type: 'message', text: notices.agentFacing(agent, session.language).joined }], 'agent_joined');
    return { status: 'ok', session, notified, already: false };
  }

  /** The local agent chose a display name: their live chats follow (the console's session already does). */
  async renameAgent(from: string, to: string): Promise<void> {
    const renamed = await this.deps.store.renameActiveAgent(from, to);
    this.deps.logger.info({ from, to, chats: renamed }, 'agent chose a name');
    if (renamed > 0) this.deps.service.events.emit('changed', undefined);
  }

  async sendAgentMessage(conversationId: string, agent: string, text: string): Promise<MessageResult> {
    const { store } = this.deps;
    const session = (await store.openSession(conversationId)) ?? (await store.latestSession(conversationId));
    if (!session) return { status: (await store.knows(conversationId)) ? 'forbidden' : 'not_found' };
    if (session.status === 'closed' && session.closedBy === 'left' && session.agent === agent) {
      // The console may not have heard yet that the seller left: kept, never sent, shown undelivered.
      const message = await store.addAgentMessage(conversationId, session.id, agent, text, iso(this.deps.now()));
      this.deps.service.events.emit('message', { conversationId, role: 'agent', agent, text, timestamp: message.createdAt, delivered: false, messageId: message.id });
      return { status: 'seller_left', message };
    }
    if (session.status !== 'active') return { status: session.status === 'closed' ? 'not_active' : 'forbidden' };
    if (session.agent !== agent) return { status: 'forbidden' };
    const stored = await store.addAgentMessage(conversationId, session.id, agent, text, iso(this.deps.now()));
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
      else await store.markDelivered(stored.id);
    } catch (error) {
      delivered = false;
      this.deps.logger.warn({ conversationId, agent, err: (error as Error).message }, 'agent message not delivered');
    } finally {
      this.sending.delete(stored.id);
    }
    this.deps.service.events.emit('message', { conversationId, role: 'agent', agent, text, timestamp: stored.createdAt, delivered, messageId: stored.id });
    return { status: delivered ? 'ok' : held ? 'held' : 'undelivered', message: { ...stored, delivered } };
  }

  async closeByAgent(conversationId: string, agent: string): Promise<CloseResult> {
    const { store } = this.deps;
    const now = this.deps.now();
    const session = (await store.openSession(conversationId)) ?? (await store.latestSession(conversationId));
    if (session?.status === 'active') {
      if (session.agent !== agent) return { status: 'forbidden' };
      if (!(await this.deps.service.close(session, 'agent'))) return { status: 'not_found' };
      this.deps.logger.info({ conversationId, agent, caseNumber: session.caseNumber }, 'agent closed the chat');
      const notified = await this.deps.delivery.notify(session, [this.deps.notices.closedSummary(agent, session.language, now, session.caseNumber)], 'closed_summary');
      return { status: 'ok', caseNumber: session.caseNumber, notified, dismissed: false };
    }
    if (session?.status === 'waiting') return { status: 'not_accepted' };
    if (session?.status === 'missed' && (await this.deps.service.close(session, 'dismissed'))) {
      return { status: 'ok', caseNumber: session.caseNumber, notified: false, dismissed: true };
    }
    const tickets = await store.openTicketsOf(conversationId);
    if (tickets.length) {
      for (const t of tickets) await store.setTicketStatus(t.id, 'dismissed');
      this.deps.service.events.emit('changed', undefined);
      return { status: 'ok', caseNumber: tickets[0].caseNumber, notified: false, dismissed: true };
    }
    return { status: 'not_found' };
  }

  async dismissTicket(caseNumber: string): Promise<boolean> {
    const { store } = this.deps;
    const ticket = await store.ticketByCase(caseNumber);
    if (!ticket || !(await store.setTicketStatus(ticket.id, 'dismissed'))) return false;
    this.deps.service.events.emit('changed', undefined);
    return true;
  }

  /**
   * The outbox delivered something late (a retry): an agent message is marked delivered and the agents
   * told (the same `message` event with `delivered: true`, which the console applies to the message it
   * shows); the queue's undelivered counts change.
   */
  private async onOutboxDelivered(event: DeliveredEvent): Promise<void> {
    const { store } = this.deps;
    const marker = (event.activity.channelData as Record<string, { messageId?: unknown } | undefined> | undefined)?.[AGENT_CHANNEL_DATA_KEY];
    const id = Number(marker?.messageId);
    if (marker && Number.isSafeInteger(id) && !this.sending.has(id)) {
      const message = await store.agentMessage(id);
      if (message && !message.delivered) {
        await store.markDelivered(id);
        this.deps.logger.info({ conversationId: message.conversationId, agent: message.agent, messageId: id }, 'agent message delivered late');
        this.deps.service.events.emit('message', { conversationId: message.conversationId, role: 'agent', agent: message.agent, text: message.text, timestamp: message.createdAt, delivered: true, messageId: id });
      }
    }
    if (event.retried && (await store.openSession(event.conversationId))) this.deps.service.events.emit('changed', undefined);
  }
}
