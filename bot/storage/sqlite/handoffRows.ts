// The handoff tables as SQLite has them (migrations/001-initial/06-handoff.sql): row shapes and their mapping to the model.
import type { Language } from '../../../knowledge/schema';
import type { AgentMessage, AttachmentInfo, ClosedBy, Session, SessionReason, SessionStatus, SessionSummary, Ticket, TicketStatus } from '../../handoff/model';

export interface SessionRow {
  id: number;
  conversation_id: string;
  channel_id: string;
  status: SessionStatus;
  reason: SessionReason;
  language: Language;
  queued_at: string;
  accepted_at: string | null;
  closed_at: string | null;
  closed_by: ClosedBy | null;
  agent: string | null;
  case_number: string;
  summary: string;
  estimate_minutes: number;
  last_notified_position: number | null;
  last_notified_at: string | null;
  wait_exceeded_notified: number;
  seller_acked: number;
  protocol: number;
}

export interface TicketRow {
  id: number;
  conversation_id: string;
  channel_id: string;
  status: TicketStatus;
  language: Language;
  case_number: string;
  text: string | null;
  attachments: string;
  created_at: string;
  saved_at: string | null;
}

export interface AgentMessageRow {
  id: number;
  conversation_id: string;
  session_id: number | null;
  agent: string;
  text: string;
  created_at: string;
  delivered: number;
}


export const SESSION_COLUMNS: Record<string, string> = {
  lastNotifiedPosition: 'last_notified_position',
  lastNotifiedAt: 'last_notified_at',
  waitExceededNotified: 'wait_exceeded_notified',
  sellerAcked: 'seller_acked',
  protocol: 'protocol',
  summary: 'summary',
  language: 'language',
};

export const CASE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    channelId: row.channel_id,
    status: row.status,
    reason: row.reason,
    language: row.language === 'en' ? 'en' : 'ko',
    queuedAt: row.queued_at,
    acceptedAt: row.accepted_at,
    closedAt: row.closed_at,
    closedBy: row.closed_by,
    agent: row.agent,
    caseNumber: row.case_number,
    summary: JSON.parse(row.summary) as SessionSummary,
    estimateMinutes: row.estimate_minutes,
    lastNotifiedPosition: row.last_notified_position,
    lastNotifiedAt: row.last_notified_at,
    waitExceededNotified: row.wait_exceeded_notified === 1,
    sellerAcked: row.seller_acked === 1,
    protocol: row.protocol === 1,
  };
}

export function toTicket(row: TicketRow): Ticket {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    channelId: row.channel_id,
    status: row.status,
    language: row.language === 'en' ? 'en' : 'ko',
    caseNumber: row.case_number,
    text: row.text,
    attachments: JSON.parse(row.attachments) as AttachmentInfo[],
    createdAt: row.created_at,
    savedAt: row.saved_at,
  };
}

export function toAgentMessage(row: AgentMessageRow): AgentMessage {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    sessionId: row.session_id,
    agent: row.agent,
    text: row.text,
    createdAt: row.created_at,
    delivered: row.delivered === 1,
  };
}

