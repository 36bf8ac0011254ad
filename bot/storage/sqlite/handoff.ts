// Durable state of the human handoff in SQLite: sessions (the queue, live chats, missed requests), offline
// tickets and the agents' messages. Every change is one SQLite statement or transaction, so a crash
// (SIGKILL included) at any point leaves a consistent queue behind.
import { randomInt } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Language } from '../../../knowledge/schema';
import type { AgentMessage, AttachmentInfo, Session, SessionStatus, Ticket } from '../../handoff/model';
import { type Columns, HandoffTransitions } from '../handoffTransitions';
import type { HandoffRepo, NewSession } from '../ports';
import { type Database, withBusyRetry } from './database';
import { type AgentMessageRow, CASE_ALPHABET, type SessionRow, type TicketRow, toAgentMessage, toSession, toTicket } from './handoffRows';

export class SqliteHandoffStore extends HandoffTransitions implements HandoffRepo {
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
    super();
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
  async createSession(input: NewSession, caseDate: string): Promise<Session | undefined> {
    const run = this.db.transaction((): Session | undefined => {
      if (this.findOpen(input.conversationId)) return undefined;
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
      return this.findSession(Number(info.lastInsertRowid));
    });
    return withBusyRetry(() => run.immediate());
  }

  async session(id: number): Promise<Session | undefined> {
    return this.findSession(id);
  }

  private findSession(id: number): Session | undefined {
    const row = this.prepare<[number], SessionRow>('SELECT * FROM handoff_sessions WHERE id = ?').get(id);
    return row ? toSession(row) : undefined;
  }

  /** The waiting or active session of a conversation. */
  async openSession(conversationId: string): Promise<Session | undefined> {
    return this.findOpen(conversationId);
  }

  private findOpen(conversationId: string): Session | undefined {
    const row = this
      .prepare<[string], SessionRow>(`SELECT * FROM handoff_sessions WHERE conversation_id = ? AND status IN ('waiting', 'active')`)
      .get(conversationId);
    return row ? toSession(row) : undefined;
  }

  /** The conversation's most recent session, whatever its status. */
  async latestSession(conversationId: string): Promise<Session | undefined> {
    const row = this
      .prepare<[string], SessionRow>('SELECT * FROM handoff_sessions WHERE conversation_id = ? ORDER BY id DESC LIMIT 1')
      .get(conversationId);
    return row ? toSession(row) : undefined;
  }

  /** Oldest first: index + 1 is the position. */
  async waiting(): Promise<Session[]> {
    return this
      .prepare<[], SessionRow>(`SELECT * FROM handoff_sessions WHERE status = 'waiting' ORDER BY queued_at, id`)
      .all()
      .map(toSession);
  }

  async active(): Promise<Session[]> {
    return this
      .prepare<[], SessionRow>(`SELECT * FROM handoff_sessions WHERE status = 'active' ORDER BY accepted_at, id`)
      .all()
      .map(toSession);
  }

  /** Newest first; `before` (a queued_at) gives the page after the one that ended there. */
  async missed(since: string, limit = 100, before = '9999'): Promise<Session[]> {
    return this
      .prepare<[string, string, number], SessionRow>(
        `SELECT * FROM handoff_sessions WHERE status = 'missed' AND queued_at >= ? AND queued_at < ? ORDER BY queued_at DESC, id DESC LIMIT ?`,
      )
      .all(since, before, limit)
      .map(toSession);
  }

  async position(session: Session): Promise<number> {
    const row = this
      .prepare<[string, string, number], { ahead: number }>(
        `SELECT COUNT(*) AS ahead FROM handoff_sessions WHERE status = 'waiting' AND (queued_at < ? OR (queued_at = ? AND id < ?))`,
      )
      .get(session.queuedAt, session.queuedAt, session.id);
    return (row?.ahead ?? 0) + 1;
  }

  protected async setStatus(id: number, to: SessionStatus, columns: Columns, from: readonly SessionStatus[]): Promise<boolean> {
    const sets = columns.map(([column]) => `, ${column} = ?`).join('');
    const placeholders = from.map(() => '?').join(', ');
    return withBusyRetry(
      () =>
        this
          .prepare(`UPDATE handoff_sessions SET status = ?${sets} WHERE id = ? AND status IN (${placeholders})`)
          .run(to, ...columns.map(toSqlite), id, ...from).changes === 1,
    );
  }

  protected async setColumns(id: number, columns: Columns): Promise<void> {
    const sets = columns.map(([column]) => `${column} = ?`).join(', ');
    withBusyRetry(() => this.prepare(`UPDATE handoff_sessions SET ${sets} WHERE id = ?`).run(...columns.map(toSqlite), id));
  }

  /** Minutes agents spent on the last `limit` chats they finished (for the wait estimate). */
  async recentHandlingMinutes(limit = 20): Promise<number[]> {
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
  async knows(conversationId: string): Promise<boolean> {
    return Boolean(
      this.prepare('SELECT 1 FROM handoff_sessions WHERE conversation_id = ? LIMIT 1').get(conversationId) ??
        this.prepare(`SELECT 1 FROM handoff_tickets WHERE conversation_id = ? AND status <> 'draft' LIMIT 1`).get(conversationId),
    );
  }

  // ---- offline tickets --------------------------------------------------------------------------

  /** Outside hours the seller's next message becomes a ticket: this remembers that we asked for it. */
  async createDraftTicket(conversationId: string, channelId: string, language: Language, at: string, caseDate: string): Promise<Ticket> {
    const run = this.db.transaction(() => {
      this.prepare(`DELETE FROM handoff_tickets WHERE conversation_id = ? AND status = 'draft'`).run(conversationId);
      const info = this
        .prepare(`INSERT INTO handoff_tickets (conversation_id, channel_id, status, language, case_number, created_at) VALUES (?, ?, 'draft', ?, ?, ?)`)
        .run(conversationId, channelId, language, this.newCaseNumber(caseDate), at);
      return this.findTicket(Number(info.lastInsertRowid))!;
    });
    return withBusyRetry(() => run.immediate());
  }

  async draftTicket(conversationId: string): Promise<Ticket | undefined> {
    const row = this
      .prepare<[string], TicketRow>(`SELECT * FROM handoff_tickets WHERE conversation_id = ? AND status = 'draft' ORDER BY id DESC LIMIT 1`)
      .get(conversationId);
    return row ? toTicket(row) : undefined;
  }

  async deleteDraftTickets(conversationId: string): Promise<void> {
    withBusyRetry(() => this.prepare(`DELETE FROM handoff_tickets WHERE conversation_id = ? AND status = 'draft'`).run(conversationId));
  }

  async deleteDraftsBefore(at: string): Promise<void> {
    withBusyRetry(() => this.prepare(`DELETE FROM handoff_tickets WHERE status = 'draft' AND created_at < ?`).run(at));
  }

  async saveTicket(id: number, text: string, attachments: AttachmentInfo[], at: string): Promise<Ticket | undefined> {
    const changed = withBusyRetry(
      () =>
        this
          .prepare(`UPDATE handoff_tickets SET status = 'open', text = ?, attachments = ?, saved_at = ? WHERE id = ? AND status = 'draft'`)
          .run(text, JSON.stringify(attachments), at, id).changes,
    );
    return changed ? this.findTicket(id) : undefined;
  }

  async ticketById(id: number): Promise<Ticket | undefined> {
    return this.findTicket(id);
  }

  private findTicket(id: number): Ticket | undefined {
    const row = this.prepare<[number], TicketRow>('SELECT * FROM handoff_tickets WHERE id = ?').get(id);
    return row ? toTicket(row) : undefined;
  }

  async ticketByCase(caseNumber: string): Promise<Ticket | undefined> {
    const row = this.prepare<[string], TicketRow>(`SELECT * FROM handoff_tickets WHERE case_number = ? AND status <> 'draft'`).get(caseNumber);
    return row ? toTicket(row) : undefined;
  }

  async openTickets(): Promise<Ticket[]> {
    return this.prepare<[], TicketRow>(`SELECT * FROM handoff_tickets WHERE status = 'open' ORDER BY saved_at, id`).all().map(toTicket);
  }

  async openTicketsOf(conversationId: string): Promise<Ticket[]> {
    return this
      .prepare<[string], TicketRow>(`SELECT * FROM handoff_tickets WHERE conversation_id = ? AND status = 'open' ORDER BY id`)
      .all(conversationId)
      .map(toTicket);
  }

  async setTicketStatus(id: number, status: 'answered' | 'dismissed'): Promise<boolean> {
    return withBusyRetry(() => this.prepare(`UPDATE handoff_tickets SET status = ? WHERE id = ? AND status = 'open'`).run(status, id).changes === 1);
  }

  /** Retention (TRANSCRIPT_RETENTION_DAYS): finished sessions, handled tickets and agent messages before `cutoff`. */
  async purgeBefore(cutoff: Date): Promise<number> {
    const at = cutoff.toISOString(); // the columns hold ISO-8601 UTC text, which sorts as time
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
  async renameActiveAgent(from: string, to: string): Promise<number> {
    return withBusyRetry(() => this.prepare(`UPDATE handoff_sessions SET agent = ? WHERE agent = ? AND status = 'active'`).run(to, from).changes);
  }

  async addAgentMessage(conversationId: string, sessionId: number | null, agent: string, text: string, at: string): Promise<AgentMessage> {
    const info = withBusyRetry(() =>
      this
        .prepare('INSERT INTO handoff_agent_messages (conversation_id, session_id, agent, text, created_at, delivered) VALUES (?, ?, ?, ?, ?, 0)')
        .run(conversationId, sessionId, agent, text, at),
    );
    return this.findAgentMessage(Number(info.lastInsertRowid))!;
  }

  async markDelivered(id: number): Promise<void> {
    withBusyRetry(() => this.prepare('UPDATE handoff_agent_messages SET delivered = 1 WHERE id = ?').run(id));
  }

  async agentMessage(id: number): Promise<AgentMessage | undefined> {
    return this.findAgentMessage(id);
  }

  private findAgentMessage(id: number): AgentMessage | undefined {
    const row = this.prepare<[number], AgentMessageRow>('SELECT * FROM handoff_agent_messages WHERE id = ?').get(id);
    return row ? toAgentMessage(row) : undefined;
  }

  async agentMessages(conversationId: string): Promise<AgentMessage[]> {
    return this
      .prepare<[string], AgentMessageRow>('SELECT * FROM handoff_agent_messages WHERE conversation_id = ? ORDER BY id')
      .all(conversationId)
      .map(toAgentMessage);
  }
}

/** SQLite has no booleans, and keeps the summary as JSON text. */
function toSqlite([column, value]: [string, unknown]): unknown {
  return typeof value === 'boolean' ? (value ? 1 : 0) : column === 'summary' ? JSON.stringify(value) : value;
}
