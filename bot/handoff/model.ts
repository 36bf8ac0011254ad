// The handoff's vocabulary: sessions (a seller's request, from the queue to its end), offline tickets and
// agent messages, and the one table of how a session's status may change.
import type { Language } from '../../knowledge/schema';

export type SessionStatus = 'waiting' | 'active' | 'missed' | 'closed';
export type SessionReason = 'requested' | 'no_match' | 'ticket';
/** Who or what ended a session. */
/** `left`: the seller abandoned the conversation (endOfConversation, the web chat's 새 상담 or a closed tab). */
/** `platform`: handed to the messenger's own agents (KakaoTalk's 상담직원 연결, TalkTalk's partner center), never queued here. */
export type ClosedBy = 'agent' | 'seller' | 'cancelled' | 'superseded' | 'dismissed' | 'protocol' | 'left' | 'platform';

export interface SessionSummary {
  /** Menu labels (Korean) of the topics the seller went through, oldest first. */
  topics: string[];
  productNumber: string | null;
  lastMessage: string | null;
  /** Messages the seller wrote since queuing. */
  messagesWhileWaiting: number;
  attachments: number;
  /** A seller-center topic the bot does not cover, when that is why the seller was handed over. */
  oosTopic?: string;
  /** What the seller actually asked (not "상담사 연결해 주세요"), latest last. */
  questions?: string[];
}

export interface Session {
  id: number;
  conversationId: string;
  channelId: string;
  status: SessionStatus;
  reason: SessionReason;
  language: Language;
  queuedAt: string;
  acceptedAt: string | null;
  closedAt: string | null;
  closedBy: ClosedBy | null;
  agent: string | null;
  caseNumber: string;
  summary: SessionSummary;
  /** Estimated wait (minutes) told to the seller when queued. */
  estimateMinutes: number;
  lastNotifiedPosition: number | null;
  lastNotifiedAt: string | null;
  waitExceededNotified: boolean;
  sellerAcked: boolean;
  /** handoff.initiate was sent for this session (HANDOFF_MODE protocol/both). */
  protocol: boolean;
}

export type TicketStatus = 'draft' | 'open' | 'answered' | 'dismissed';

export interface Ticket {
  id: number;
  conversationId: string;
  channelId: string;
  status: TicketStatus;
  language: Language;
  caseNumber: string;
  text: string | null;
  attachments: AttachmentInfo[];
  createdAt: string;
  savedAt: string | null;
}

export interface AttachmentInfo {
  contentType: string;
  name?: string;
  contentUrl?: string;
}

export interface AgentMessage {
  id: number;
  conversationId: string;
  sessionId: number | null;
  agent: string;
  text: string;
  createdAt: string;
  delivered: boolean;
}

/** Outside hours, the seller's next message within this many minutes becomes their ticket. */
export const DRAFT_TICKET_MINUTES = 30;

/** The legal status changes of a session: the store refuses every other (a closed session stays closed). */
export const TRANSITIONS: Readonly<Record<SessionStatus, readonly SessionStatus[]>> = {
  waiting: ['active', 'missed', 'closed'],
  active: ['closed'],
  missed: ['active', 'closed'],
  closed: [],
};

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses a session may reach `to` from. */
export function sourcesOf(to: SessionStatus): SessionStatus[] {
  return (Object.keys(TRANSITIONS) as SessionStatus[]).filter((from) => canTransition(from, to));
}

/** A message in a handed-over conversation, as the agents hear of it. */
export interface MessageEvent {
  conversationId: string;
  role: 'seller' | 'agent';
  text: string;
  timestamp: string;
  agent?: string | null;
  attachments?: AttachmentInfo[];
  status?: SessionStatus;
  delivered?: boolean;
  messageId?: number;
}

/** What the service tells its listeners (the agents' event stream), in the order it happens. */
export interface HandoffEventMap {
  waiting: { session: Session; position: number };
  cancelled: { conversationId: string; caseNumber: string };
  accepted: { conversationId: string; agent: string; caseNumber?: string; external?: true };
  closed: { conversationId: string; agent: string | null; caseNumber: string; by: ClosedBy };
  missed: { conversationId: string; caseNumber: string };
  message: MessageEvent;
  ticket: Ticket;
  /** The queue changed (a snapshot is due). */
  changed: undefined;
}
