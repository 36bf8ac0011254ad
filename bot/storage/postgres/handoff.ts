// The handoff's sessions, offline tickets and agent messages in PostgreSQL, with sqlite/handoff.ts's
// rules: status changes are compare-and-set (`UPDATE … WHERE status = ANY(expected)`), at most one open
// session per conversation (a partial unique index), case numbers unique. Rows are selected in the
// SQLite shapes (ISO text times, 0/1 flags, JSON text) so the one mapping in sqlite/handoffRows.ts serves both.
import { randomInt } from 'node:crypto';
import type { Language } from '../../../knowledge/schema';
import type { AgentMessage, AttachmentInfo, Session, SessionStatus, Ticket } from '../../handoff/model';
import { type Columns, HandoffTransitions } from '../handoffTransitions';
import type { HandoffRepo, NewSession } from '../ports';
import { type AgentMessageRow, CASE_ALPHABET, type SessionRow, type TicketRow, toAgentMessage, toSession, toTicket } from '../sqlite/handoffRows';
import { type Executor, type PgDb, iso, jsonb } from './db';

const SESSION = `id, conversation_id, channel_id, status, reason, language, ${iso('queued_at')}, ${iso('accepted_at')}, ${iso('closed_at')},
  closed_by, agent, case_number, summary::text AS summary, estimate_minutes, last_notified_position, ${iso('last_notified_at')},
  wait_exceeded_notified::int AS wait_exceeded_notified, seller_acked::int AS seller_acked, protocol::int AS protocol`;
const TICKET = `id, conversation_id, channel_id, status, language, case_number, text, attachments::text AS attachments, ${iso('created_at')}, ${iso('saved_at')}`;
const MESSAGE = `id, conversation_id, session_id, agent, text, ${iso('created_at')}, delivered::int AS delivered`;

/** "CS-260501-7K3Q": the date in the support time zone and four unambiguous characters. */
async function newCaseNumber(db: Executor, datePart: string): Promise<string> {
  for (;;) {
    let suffix = '';
    for (let i = 0; i < 4; i++) suffix += CASE_ALPHABET[randomInt(CASE_ALPHABET.length)];
    const candidate = `CS-${datePart}-${suffix}`;
    const taken = await db.row(
      'SELECT 1 FROM handoff_sessions WHERE case_number = $1 UNION ALL SELECT 1 FROM handoff_tickets WHERE case_number = $1 LIMIT 1',
      [candidate],
    );
    if (!taken) return candidate;
  }
}

export class PostgresHandoffStore extends HandoffTransitions implements HandoffRepo {
  constructor(private readonly db: PgDb) {
    super();
  }

  private async sessionWhere(where: string, params: unknown[]): Promise<Session | undefined> {
    const row = await this.db.row<SessionRow>(`SELECT ${SESSION} FROM handoff_sessions WHERE ${where}`, params);
    return row && toSession(row);
  }

  private async sessionsWhere(where: string, params: unknown[] = []): Promise<Session[]> {
    return (await this.db.rows<SessionRow>(`SELECT ${SESSION} FROM handoff_sessions WHERE ${where}`, params)).map(toSession);
  }

  private async ticketsWhere(where: string, params: unknown[] = []): Promise<Ticket[]> {
    return (await this.db.rows<TicketRow>(`SELECT ${TICKET} FROM handoff_tickets WHERE ${where}`, params)).map(toTicket);
  }

  // ---- sessions ---------------------------------------------------------------------------------

  async createSession(input: NewSession, caseDate: string): Promise<Session | undefined> {
    return this.db.transaction(async (tx) => {
      const status = input.status ?? 'waiting';
      // The partial unique index decides, also against another instance's insert at the same moment.
      const row = await tx.row<SessionRow>(
        `INSERT INTO handoff_sessions (conversation_id, channel_id, status, reason, language, queued_at, accepted_at, agent,
           case_number, summary, estimate_minutes, last_notified_position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (conversation_id) WHERE status IN ('waiting', 'active') DO NOTHING
         RETURNING ${SESSION}`,
        [
          input.conversationId,
          input.channelId,
          status,
          input.reason,
          input.language,
          input.queuedAt,
          status === 'active' ? input.queuedAt : null,
          input.agent ?? null,
          await newCaseNumber(tx, caseDate),
          jsonb(input.summary),
          input.estimateMinutes,
          input.position,
        ],
      );
      if (!row) return undefined;
      await tx.query(
        `UPDATE handoff_sessions SET status = 'closed', closed_by = 'superseded', closed_at = $1 WHERE conversation_id = $2 AND status = 'missed'`,
        [input.queuedAt, input.conversationId],
      );
      return toSession(row);
    });
  }

  async session(id: number): Promise<Session | undefined> {
    return this.sessionWhere('id = $1', [id]);
  }

  async openSession(conversationId: string): Promise<Session | undefined> {
    return this.sessionWhere(`conversation_id = $1 AND status IN ('waiting', 'active')`, [conversationId]);
  }

  async latestSession(conversationId: string): Promise<Session | undefined> {
    return this.sessionWhere('conversation_id = $1 ORDER BY id DESC LIMIT 1', [conversationId]);
  }

  async waiting(): Promise<Session[]> {
    return this.sessionsWhere(`status = 'waiting' ORDER BY queued_at, id`);
  }

  async active(): Promise<Session[]> {
    return this.sessionsWhere(`status = 'active' ORDER BY accepted_at, id`);
  }

  async missed(since: string, limit = 100, before?: string): Promise<Session[]> {
    return this.sessionsWhere(`status = 'missed' AND queued_at >= $1 AND queued_at < $2 ORDER BY queued_at DESC, id DESC LIMIT $3`, [
      since,
      before ?? 'infinity',
      limit,
    ]);
  }

  async position(session: Session): Promise<number> {
    const row = await this.db.row<{ ahead: number }>(
      `SELECT count(*)::int AS ahead FROM handoff_sessions WHERE status = 'waiting' AND (queued_at, id) < ($1::timestamptz, $2::int)`,
      [session.queuedAt, session.id],
    );
    return (row?.ahead ?? 0) + 1;
  }

  protected async setStatus(id: number, to: SessionStatus, columns: Columns, from: readonly SessionStatus[]): Promise<boolean> {
    const sets = columns.map(([column], i) => `, ${column} = $${i + 4}`).join('');
    const { rowCount } = await this.db.query(`UPDATE handoff_sessions SET status = $1${sets} WHERE id = $2 AND status = ANY($3::text[])`, [
      to,
      id,
      from,
      ...columns.map(toPostgres),
    ]);
    return rowCount === 1;
  }

  protected async setColumns(id: number, columns: Columns): Promise<void> {
    const sets = columns.map(([column], i) => `${column} = $${i + 2}`).join(', ');
    await this.db.query(`UPDATE handoff_sessions SET ${sets} WHERE id = $1`, [id, ...columns.map(toPostgres)]);
  }

  async recentHandlingMinutes(limit = 20): Promise<number[]> {
    const rows = await this.db.rows<{ minutes: number }>(
      `SELECT extract(epoch FROM closed_at - accepted_at)::float8 / 60 AS minutes FROM handoff_sessions
       WHERE status = 'closed' AND closed_by IN ('agent', 'seller') AND accepted_at IS NOT NULL AND closed_at IS NOT NULL
       ORDER BY closed_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.minutes).filter((m) => Number.isFinite(m) && m >= 0);
  }

  async knows(conversationId: string): Promise<boolean> {
    const row = await this.db.row(
      `SELECT 1 FROM handoff_sessions WHERE conversation_id = $1
       UNION ALL SELECT 1 FROM handoff_tickets WHERE conversation_id = $1 AND status <> 'draft' LIMIT 1`,
      [conversationId],
    );
    return row !== undefined;
  }

  // ---- offline tickets --------------------------------------------------------------------------

  async createDraftTicket(conversationId: string, channelId: string, language: Language, at: string, caseDate: string): Promise<Ticket> {
    return this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM handoff_tickets WHERE conversation_id = $1 AND status = 'draft'`, [conversationId]);
      const row = await tx.row<TicketRow>(
        `INSERT INTO handoff_tickets (conversation_id, channel_id, status, language, case_number, created_at)
         VALUES ($1, $2, 'draft', $3, $4, $5) RETURNING ${TICKET}`,
        [conversationId, channelId, language, await newCaseNumber(tx, caseDate), at],
      );
      return toTicket(row!);
    });
  }

  async draftTicket(conversationId: string): Promise<Ticket | undefined> {
    return (await this.ticketsWhere(`conversation_id = $1 AND status = 'draft' ORDER BY id DESC LIMIT 1`, [conversationId]))[0];
  }

  async deleteDraftTickets(conversationId: string): Promise<void> {
    await this.db.query(`DELETE FROM handoff_tickets WHERE conversation_id = $1 AND status = 'draft'`, [conversationId]);
  }

  async deleteDraftsBefore(at: string): Promise<void> {
    await this.db.query(`DELETE FROM handoff_tickets WHERE status = 'draft' AND created_at < $1`, [at]);
  }

  async saveTicket(id: number, text: string, attachments: AttachmentInfo[], at: string): Promise<Ticket | undefined> {
    const row = await this.db.row<TicketRow>(
      `UPDATE handoff_tickets SET status = 'open', text = $1, attachments = $2, saved_at = $3 WHERE id = $4 AND status = 'draft' RETURNING ${TICKET}`,
      [text, jsonb(attachments), at, id],
    );
    return row && toTicket(row);
  }

  async ticketById(id: number): Promise<Ticket | undefined> {
    return (await this.ticketsWhere('id = $1', [id]))[0];
  }

  async ticketByCase(caseNumber: string): Promise<Ticket | undefined> {
    return (await this.ticketsWhere(`case_number = $1 AND status <> 'draft'`, [caseNumber]))[0];
  }

  async openTickets(): Promise<Ticket[]> {
    return this.ticketsWhere(`status = 'open' ORDER BY saved_at, id`);
  }

  async openTicketsOf(conversationId: string): Promise<Ticket[]> {
    return this.ticketsWhere(`conversation_id = $1 AND status = 'open' ORDER BY id`, [conversationId]);
  }

  async setTicketStatus(id: number, status: 'answered' | 'dismissed'): Promise<boolean> {
    return (await this.db.query(`UPDATE handoff_tickets SET status = $1 WHERE id = $2 AND status = 'open'`, [status, id])).rowCount === 1;
  }

  async purgeBefore(cutoff: Date): Promise<number> {
    const at = cutoff.toISOString();
    return this.db.transaction(async (tx) => {
      const counts = await Promise.all([
        tx.query(`DELETE FROM handoff_sessions WHERE status = 'closed' AND closed_at < $1`, [at]),
        tx.query(`DELETE FROM handoff_sessions WHERE status = 'missed' AND queued_at < $1`, [at]),
        tx.query(`DELETE FROM handoff_tickets WHERE status IN ('answered', 'dismissed') AND coalesce(saved_at, created_at) < $1`, [at]),
        tx.query('DELETE FROM handoff_agent_messages WHERE created_at < $1', [at]),
      ]);
      return counts.reduce((n, result) => n + (result.rowCount ?? 0), 0);
    });
  }

  // ---- agent messages ---------------------------------------------------------------------------

  async renameActiveAgent(from: string, to: string): Promise<number> {
    return (await this.db.query(`UPDATE handoff_sessions SET agent = $1 WHERE agent = $2 AND status = 'active'`, [to, from])).rowCount ?? 0;
  }

  async addAgentMessage(conversationId: string, sessionId: number | null, agent: string, text: string, at: string): Promise<AgentMessage> {
    const row = await this.db.row<AgentMessageRow>(
      `INSERT INTO handoff_agent_messages (conversation_id, session_id, agent, text, created_at, delivered)
       VALUES ($1, $2, $3, $4, $5, false) RETURNING ${MESSAGE}`,
      [conversationId, sessionId, agent, text, at],
    );
    return toAgentMessage(row!);
  }

  async markDelivered(id: number): Promise<void> {
    await this.db.query('UPDATE handoff_agent_messages SET delivered = true WHERE id = $1', [id]);
  }

  async agentMessage(id: number): Promise<AgentMessage | undefined> {
    const row = await this.db.row<AgentMessageRow>(`SELECT ${MESSAGE} FROM handoff_agent_messages WHERE id = $1`, [id]);
    return row && toAgentMessage(row);
  }

  async agentMessages(conversationId: string): Promise<AgentMessage[]> {
    return (await this.db.rows<AgentMessageRow>(`SELECT ${MESSAGE} FROM handoff_agent_messages WHERE conversation_id = $1 ORDER BY id`, [conversationId])).map(
      toAgentMessage,
    );
  }
}

/** The summary is jsonb; booleans and times go as they are. */
function toPostgres([column, value]: [string, unknown]): unknown {
  return column === 'summary' ? jsonb(value) : value;
}
