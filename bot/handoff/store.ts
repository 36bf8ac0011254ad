// Durable state of the human handoff: sessions (the queue, live chats, missed requests), offline
// tickets and the agents' messages. Every change is one SQLite statement or transaction, so a crash
// (SIGKILL included) at any point leaves a consistent queue behind.
import { randomInt } from 'node:crypto';
import type { Language } from '../../knowledge/schema';
import type { Statement } from 'better-sqlite3';
import { type Database, migrate, withBusyRetry } from '../storage/database';

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

interface SessionRow {
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

interface TicketRow {
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

interface AgentMessageRow {
  id: number;
  conversation_id: string;
  session_id: number | null;
  agent: string;
  text: string;
  created_at: string;
  delivered: number;
}

const MIGRATION = `
CREATE TABLE handoff_sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('waiting', 'active', 'missed', 'closed')),
  reason TEXT NOT NULL,
  language TEXT NOT NULL,
  queued_at TEXT NOT NULL,
  accepted_at TEXT,
  closed_at TEXT,
  closed_by TEXT,
  agent TEXT,
  case_number TEXT NOT NULL UNIQUE,
  summary TEXT NOT NULL,
  estimate_minutes REAL NOT NULL,
  last_notified_position INTEGER,
  last_notified_at TEXT,
  wait_exceeded_notified INTEGER NOT NULL DEFAULT 0,
  seller_acked INTEGER NOT NULL DEFAULT 0,
  protocol INTEGER NOT NULL DEFAULT 0
);
-- At most one open (waiting or active) session per conversation, enforced by the database itself.
CREATE UNIQUE INDEX handoff_sessions_open ON handoff_sessions (conversation_id) WHERE status IN ('waiting', 'active');
CREATE INDEX handoff_sessions_status ON handoff_sessions (status, queued_at, id);
CREATE INDEX handoff_sessions_conversation ON handoff_sessions (conversation_id, id);

CREATE TABLE handoff_tickets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'answered', 'dismissed')),
  language TEXT NOT NULL,
  case_number TEXT NOT NULL UNIQUE,
  text TEXT,
  attachments TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  saved_at TEXT
);
CREATE INDEX handoff_tickets_status ON handoff_tickets (status, saved_at);
CREATE INDEX handoff_tickets_conversation ON handoff_tickets (conversation_id, id);

CREATE TABLE handoff_agent_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  session_id INTEGER,
  agent TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL,
  delivered INTEGER NOT NULL
);
CREATE INDEX handoff_agent_messages_conversation ON handoff_agent_messages (conversation_id, id);
`;

const SESSION_COLUMNS: Record<string, string> = {
  lastNotifiedPosition: 'last_notified_position',
  lastNotifiedAt: 'last_notified_at',
  waitExceededNotified: 'wait_exceeded_notified',
  sellerAcked: 'seller_acked',
  protocol: 'protocol',
  summary: 'summary',
  language: 'language',
};

const CASE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

function toSession(row: SessionRow): Session {
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

function toTicket(row: TicketRow): Ticket {
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

function toAgentMessage(row: AgentMessageRow): AgentMessage {
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

export interface NewSession {
  conversationId: string;
  channelId: string;
  reason: SessionReason;
  language: Language;
  queuedAt: string;
  summary: SessionSummary;
  estimateMinutes: number;
  /** The seller's position when queued (so the first update only comes when it improves). */
  position: number;
  status?: 'waiting' | 'active';
  agent?: string;
}

export class HandoffStore {
  /** Prepared once per SQL text: preparing is a measurable share of a turn when done per message. */
  private readonly statements = new Map<string, Statement>();

  private prepare<P extends unknown[] | {} = unknown[], R = unknown>(sql: string): Statement<P, R> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as unknown as Statement<P, R>;
  }

  constructor(private readonly db: Database) {
    migrate(db, 'handoff/001-create', MIGRATION);
  }

  /** "CS-260501-7K3Q": the date in the support time zone and four unambiguous characters. */
  private newCaseNumber(datePart: string): string {
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 4; i++) suffix += CASE_ALPHABET[randomInt(CASE_ALPHABET.length)];
      const candidate = `CS-${datePart}-${suffix}`;
      const taken =
        this.prepare('SELECT 1 FROM handoff_sessions WHERE case_number = ?').get(candidate) ??
        this.prepare('SELECT 1 FROM handoff_tickets WHERE case_number = ?').get(candidate);
      if (!taken) return candidate;
    }
  }

  // ---- sessions ---------------------------------------------------------------------------------

  /**
   * Queues (or, for an answered ticket, opens) a session. Older missed sessions of the conversation are
   * superseded by the new request. Returns undefined when the conversation already has an open session.
   */
  createSession(input: NewSession, caseDate: string): Session | undefined {
    const run = this.db.transaction((): Session | undefined => {
      if (this.openSession(input.conversationId)) return undefined;
      this
        .prepare(`UPDATE handoff_sessions SET status = 'closed', closed_by = 'superseded', closed_at = ? WHERE conversation_id = ? AND status = 'missed'`)
        .run(input.queuedAt, input.conversationId);
      const status = input.status ?? 'waiting';
      const info = this
        .prepare(
          `INSERT INTO handoff_sessions (conversation_id, channel_id, status, reason, language, queued_at, accepted_at, agent,
             case_number, summary, estimate_minutes, last_notified_position)
           VALUES (@conversationId, @channelId, @status, @reason, @language, @queuedAt, @acceptedAt, @agent,
             @caseNumber, @summary, @estimateMinutes, @position)`,
        )
        .run({
          conversationId: input.conversationId,
          channelId: input.channelId,
          status,
          reason: input.reason,
          language: input.language,
          queuedAt: input.queuedAt,
          acceptedAt: status === 'active' ? input.queuedAt : null,
          agent: input.agent ?? null,
          caseNumber: this.newCaseNumber(caseDate),
          summary: JSON.stringify(input.summary),
          estimateMinutes: input.estimateMinutes,
          position: input.position,
        });
      return this.session(Number(info.lastInsertRowid));
    });
    return withBusyRetry(() => run.immediate());
  }

  session(id: number): Session | undefined {
    const row = this.prepare<[number], SessionRow>('SELECT * FROM handoff_sessions WHERE id = ?').get(id);
    return row ? toSession(row) : undefined;
  }

  /** The waiting or active session of a conversation. */
  openSession(conversationId: string): Session | undefined {
    const row = this
      .prepare<[string], SessionRow>(`SELECT * FROM handoff_sessions WHERE conversation_id = ? AND status IN ('waiting', 'active')`)
      .get(conversationId);
    return row ? toSession(row) : undefined;
  }

  /** The conversation's most recent session, whatever its status. */
  latestSession(conversationId: string): Session | undefined {
    const row = this
      .prepare<[string], SessionRow>('SELECT * FROM handoff_sessions WHERE conversation_id = ? ORDER BY id DESC LIMIT 1')
      .get(conversationId);
    return row ? toSession(row) : undefined;
  }

  /** Oldest first: index + 1 is the position. */
  waiting(): Session[] {
    return this
      .prepare<[], SessionRow>(`SELECT * FROM handoff_sessions WHERE status = 'waiting' ORDER BY queued_at, id`)
      .all()
      .map(toSession);
  }

  active(): Session[] {
    return this
      .prepare<[], SessionRow>(`SELECT * FROM handoff_sessions WHERE status = 'active' ORDER BY accepted_at, id`)
      .all()
      .map(toSession);
  }

  /** Newest first; `before` (a queued_at) gives the page after the one that ended there. */
  missed(since: string, limit = 100, before = '9999'): Session[] {
    return this
      .prepare<[string, string, number], SessionRow>(
        `SELECT * FROM handoff_sessions WHERE status = 'missed' AND queued_at >= ? AND queued_at < ? ORDER BY queued_at DESC, id DESC LIMIT ?`,
      )
      .all(since, before, limit)
      .map(toSession);
  }

  position(session: Session): number {
    const row = this
      .prepare<[string, string, number], { ahead: number }>(
        `SELECT COUNT(*) AS ahead FROM handoff_sessions WHERE status = 'waiting' AND (queued_at < ? OR (queued_at = ? AND id < ?))`,
      )
      .get(session.queuedAt, session.queuedAt, session.id);
    return (row?.ahead ?? 0) + 1;
  }

  /** waiting|missed → active for `agent`; false when the session was not in one of those states any more. */
  accept(id: number, agent: string, at: string): boolean {
    return withBusyRetry(
      () =>
        this
          .prepare(`UPDATE handoff_sessions SET status = 'active', agent = ?, accepted_at = ? WHERE id = ? AND status IN ('waiting', 'missed')`)
          .run(agent, at, id).changes === 1,
    );
  }

  /** Closes a session if it is in one of `from`; false when someone else changed it first. */
  close(id: number, by: ClosedBy, at: string, from: SessionStatus[]): boolean {
    const placeholders = from.map(() => '?').join(', ');
    return withBusyRetry(
      () =>
        this
          .prepare(`UPDATE handoff_sessions SET status = 'closed', closed_by = ?, closed_at = ? WHERE id = ? AND status IN (${placeholders})`)
          .run(by, at, id, ...from).changes === 1,
    );
  }

  markMissed(id: number, at: string): boolean {
    return withBusyRetry(
      () => this.prepare(`UPDATE handoff_sessions SET status = 'missed', closed_at = ? WHERE id = ? AND status = 'waiting'`).run(at, id).changes === 1,
    );
  }

  update(id: number, changes: Partial<Pick<Session, 'lastNotifiedPosition' | 'lastNotifiedAt' | 'waitExceededNotified' | 'sellerAcked' | 'protocol' | 'summary' | 'language'>>): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of Object.entries(changes)) {
      const column = SESSION_COLUMNS[key];
      if (!column || value === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(typeof value === 'boolean' ? (value ? 1 : 0) : key === 'summary' ? JSON.stringify(value) : value);
    }
    if (!sets.length) return;
    withBusyRetry(() => this.prepare(`UPDATE handoff_sessions SET ${sets.join(', ')} WHERE id = ?`).run(...values, id));
  }

  /** Minutes agents spent on the last `limit` chats they finished (for the wait estimate). */
  recentHandlingMinutes(limit = 20): number[] {
    return this
      .prepare<[number], { minutes: number }>(
        `SELECT (julianday(closed_at) - julianday(accepted_at)) * 1440 AS minutes FROM handoff_sessions
         WHERE status = 'closed' AND closed_by IN ('agent', 'seller') AND accepted_at IS NOT NULL AND closed_at IS NOT NULL
         ORDER BY closed_at DESC LIMIT ?`,
      )
      .all(limit)
      .map((r) => r.minutes)
      .filter((m) => Number.isFinite(m) && m >= 0);
  }

  /** Whether the hub has ever seen this conversation (a session or a ticket). */
  knows(conversationId: string): boolean {
    return Boolean(
      this.prepare('SELECT 1 FROM handoff_sessions WHERE conversation_id = ? LIMIT 1').get(conversationId) ??
        this.prepare(`SELECT 1 FROM handoff_tickets WHERE conversation_id = ? AND status <> 'draft' LIMIT 1`).get(conversationId),
    );
  }

  // ---- offline tickets --------------------------------------------------------------------------

  /** Outside hours the seller's next message becomes a ticket: this remembers that we asked for it. */
  createDraftTicket(conversationId: string, channelId: string, language: Language, at: string, caseDate: string): Ticket {
    const run = this.db.transaction(() => {
      this.prepare(`DELETE FROM handoff_tickets WHERE conversation_id = ? AND status = 'draft'`).run(conversationId);
      const info = this
        .prepare(`INSERT INTO handoff_tickets (conversation_id, channel_id, status, language, case_number, created_at) VALUES (?, ?, 'draft', ?, ?, ?)`)
        .run(conversationId, channelId, language, this.newCaseNumber(caseDate), at);
      return this.ticketById(Number(info.lastInsertRowid))!;
    });
    return withBusyRetry(() => run.immediate());
  }

  draftTicket(conversationId: string): Ticket | undefined {
    const row = this
      .prepare<[string], TicketRow>(`SELECT * FROM handoff_tickets WHERE conversation_id = ? AND status = 'draft' ORDER BY id DESC LIMIT 1`)
      .get(conversationId);
    return row ? toTicket(row) : undefined;
  }

  deleteDraftTickets(conversationId: string): void {
    withBusyRetry(() => this.prepare(`DELETE FROM handoff_tickets WHERE conversation_id = ? AND status = 'draft'`).run(conversationId));
  }

  deleteDraftsBefore(at: string): void {
    withBusyRetry(() => this.prepare(`DELETE FROM handoff_tickets WHERE status = 'draft' AND created_at < ?`).run(at));
  }

  saveTicket(id: number, text: string, attachments: AttachmentInfo[], at: string): Ticket | undefined {
    const changed = withBusyRetry(
      () =>
        this
          .prepare(`UPDATE handoff_tickets SET status = 'open', text = ?, attachments = ?, saved_at = ? WHERE id = ? AND status = 'draft'`)
          .run(text, JSON.stringify(attachments), at, id).changes,
    );
    return changed ? this.ticketById(id) : undefined;
  }

  ticketById(id: number): Ticket | undefined {
    const row = this.prepare<[number], TicketRow>('SELECT * FROM handoff_tickets WHERE id = ?').get(id);
    return row ? toTicket(row) : undefined;
  }

  ticketByCase(caseNumber: string): Ticket | undefined {
    const row = this.prepare<[string], TicketRow>(`SELECT * FROM handoff_tickets WHERE case_number = ? AND status <> 'draft'`).get(caseNumber);
    return row ? toTicket(row) : undefined;
  }

  openTickets(): Ticket[] {
    return this.prepare<[], TicketRow>(`SELECT * FROM handoff_tickets WHERE status = 'open' ORDER BY saved_at, id`).all().map(toTicket);
  }

  openTicketsOf(conversationId: string): Ticket[] {
    return this
      .prepare<[string], TicketRow>(`SELECT * FROM handoff_tickets WHERE conversation_id = ? AND status = 'open' ORDER BY id`)
      .all(conversationId)
      .map(toTicket);
  }

  setTicketStatus(id: number, status: 'answered' | 'dismissed'): boolean {
    return withBusyRetry(() => this.prepare(`UPDATE handoff_tickets SET status = ? WHERE id = ? AND status = 'open'`).run(status, id).changes === 1);
  }

  /** Retention (TRANSCRIPT_RETENTION_DAYS): finished sessions, handled tickets and agent messages before `at`. */
  purgeBefore(at: string): number {
    const run = this.db.transaction(() => {
      let n = this.prepare(`DELETE FROM handoff_sessions WHERE status = 'closed' AND closed_at < ?`).run(at).changes;
      n += this.prepare(`DELETE FROM handoff_sessions WHERE status = 'missed' AND queued_at < ?`).run(at).changes;
      n += this.prepare(`DELETE FROM handoff_tickets WHERE status IN ('answered', 'dismissed') AND COALESCE(saved_at, created_at) < ?`).run(at).changes;
      n += this.prepare('DELETE FROM handoff_agent_messages WHERE created_at < ?').run(at).changes;
      return n;
    });
    return withBusyRetry(() => run.immediate());
  }

  // ---- agent messages ---------------------------------------------------------------------------

  /** Live chats of an agent who chose a new name; returns how many. */
  renameActiveAgent(from: string, to: string): number {
    return withBusyRetry(() => this.prepare(`UPDATE handoff_sessions SET agent = ? WHERE agent = ? AND status = 'active'`).run(to, from).changes);
  }

  addAgentMessage(conversationId: string, sessionId: number | null, agent: string, text: string, at: string): AgentMessage {
    const info = withBusyRetry(() =>
      this
        .prepare('INSERT INTO handoff_agent_messages (conversation_id, session_id, agent, text, created_at, delivered) VALUES (?, ?, ?, ?, ?, 0)')
        .run(conversationId, sessionId, agent, text, at),
    );
    return this.agentMessage(Number(info.lastInsertRowid))!;
  }

  markDelivered(id: number): void {
    withBusyRetry(() => this.prepare('UPDATE handoff_agent_messages SET delivered = 1 WHERE id = ?').run(id));
  }

  agentMessage(id: number): AgentMessage | undefined {
    const row = this.prepare<[number], AgentMessageRow>('SELECT * FROM handoff_agent_messages WHERE id = ?').get(id);
    return row ? toAgentMessage(row) : undefined;
  }

  agentMessages(conversationId: string): AgentMessage[] {
    return this
      .prepare<[string], AgentMessageRow>('SELECT * FROM handoff_agent_messages WHERE conversation_id = ? ORDER BY id')
      .all(conversationId)
      .map(toAgentMessage);
  }
}
