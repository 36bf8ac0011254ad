// What the agent API shows: queue entries, the whole queue, and a conversation's transcript.
import type { Outbox } from '../outbox';
import type { HandoffRepo, TranscriptRepo } from '../storage/ports';
import type { AgentMessage, AttachmentInfo, Session, Ticket } from './model';
import { iso } from './notices';
import { attachmentsOf, describeSummary, isFromSeller } from './summary';

/** Marks agent messages in the transcript store; their text and delivery status come from the hub's own table. */
export const AGENT_CHANNEL_DATA_KEY = 'handoff';
const MISSED_VISIBLE_DAYS = 7;
/** Entries of each list in one queue view; the missed list is paged (GET /api/agent/queue?missedBefore=). */
const QUEUE_VIEW_MAX_WAITING = 200;
const QUEUE_VIEW_MAX_MISSED = 50;

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

export interface ViewsDeps {
  store: HandoffRepo;
  transcripts: Pick<TranscriptRepo, 'getRecentActivities'>;
  /** What the seller's channel has not taken yet is shown as undelivered. */
  outbox: Outbox;
  now: () => Date;
}

export class HandoffViews {
  constructor(private readonly deps: ViewsDeps) {}

  waitingEntry(session: Session, position: number) {
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

  ticketEntry(ticket: Ticket) {
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
  async queueView({ missedBefore }: { missedBefore?: string } = {}) {
    const { store } = this.deps;
    const now = this.deps.now();
    const since = iso(new Date(now.getTime() - MISSED_VISIBLE_DAYS * 86_400_000));
    const [waiting, active, missed, tickets] = await Promise.all([
      store.waiting(),
      store.active(),
      store.missed(since, QUEUE_VIEW_MAX_MISSED + 1, missedBefore),
      store.openTickets(),
    ]);
    // Messages (bot or agent) the seller's channel has not taken yet: `undelivered` on the entry, when any.
    const pending = await this.deps.outbox.pendingCounts();
    const flag = <T extends { conversationId: string }>(entry: T): T & { undelivered?: number } =>
      pending.has(entry.conversationId) ? { ...entry, undelivered: pending.get(entry.conversationId) } : entry;
    return {
      waiting: waiting.slice(0, QUEUE_VIEW_MAX_WAITING).map((s, i) => flag(this.waitingEntry(s, i + 1))),
      waitingTotal: waiting.length,
      active: active.map((s) =>
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
      tickets: tickets.map((t) => this.ticketEntry(t)),
    };
  }

  /** The whole conversation as the agent reads it; undefined for a conversation the hub never saw. */
  async transcript(conversationId: string): Promise<{ messages: TranscriptMessage[]; session: ReturnType<HandoffViews['sessionInfo']> } | undefined> {
    const { store } = this.deps;
    if (!(await store.knows(conversationId))) return undefined;
    const session = await store.latestSession(conversationId);
    const channelId = session?.channelId ?? (await store.openTicketsOf(conversationId))[0]?.channelId;
    const agentMessages = new Map((await store.agentMessages(conversationId)).map((m) => [m.id, m]));
    const toEntry = (m: AgentMessage): TranscriptMessage => ({ role: 'agent', text: m.text, timestamp: m.createdAt, agent: m.agent, delivered: m.delivered });
    // Log order is the truthful order (a channel's clock may differ from ours), so the transcript store's
    // order is kept; agent messages take the place of their logged activity.
    const messages: TranscriptMessage[] = [];
    // Bot messages the seller's channel has not taken yet (logged with their outbox id).
    const pending = new Set(await this.deps.outbox.pendingActivityIds(conversationId));
    if (channelId) {
      for (const a of await this.deps.transcripts.getRecentActivities(channelId, conversationId, 2000)) {
        if (a.type !== 'message') continue;
        // Only the bot's own outgoing lines carry the agent marker; a seller can put anything in channelData.
        const fromSeller = isFromSeller(a);
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
          timestamp: iso(a.timestamp ? new Date(a.timestamp) : this.deps.now()),
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
      closedBy: session.closedBy,
      summary: describeSummary(session.summary),
    };
  }
}
