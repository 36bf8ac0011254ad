// The handoff's vocabulary: sessions (a seller's request, from the queue to its end), offline tickets and
// agent messages, and the one table of how a session's status may change.
import type { Language } from '../../knowledge/schema';

export type SessionStatus = 'waiting' | 'active' | 'missed' | 'closed';
export type SessionReason = 'requested' | 'no_match' | 'ticket';
/** Who or what ended a session. */
/** `left`: the seller abandoned the conversation (endOfConversation, the web chat's 새 상담 or a closed tab). */
export type ClosedBy = 'agent' | 'seller' | 'cancelled' | 'superseded' | 'dismissed' | 'protocol' | 'left';

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
