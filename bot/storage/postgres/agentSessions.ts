// The agents' console sessions in PostgreSQL (only digests of the cookie and the token are stored).
import type { AgentSession, AgentSessionRepo } from '../ports';
import { type PgDb, iso } from './db';

export class PostgresAgentSessions implements AgentSessionRepo {
  constructor(private readonly db: PgDb) {}

  async find(idDigest: string): Promise<AgentSession | undefined> {
    const row = await this.db.row<{ agent: string; token_digest: string; created_at: string; expires_at: string }>(
      `SELECT agent, token_digest, ${iso('created_at')}, ${iso('expires_at')} FROM handoff_agent_sessions WHERE id_digest = $1`,
      [idDigest],
    );
    return row && { idDigest, agent: row.agent, tokenDigest: row.token_digest, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  async create(session: AgentSession): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM handoff_agent_sessions WHERE expires_at <= $1', [session.createdAt]);
      await tx.query('INSERT INTO handoff_agent_sessions (id_digest, agent, token_digest, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        session.idDigest,
        session.agent,
        session.tokenDigest,
        session.createdAt,
        session.expiresAt,
      ]);
    });
  }

  async delete(idDigest: string): Promise<void> {
    await this.db.query('DELETE FROM handoff_agent_sessions WHERE id_digest = $1', [idDigest]);
  }

  async renameAgent(from: string, to: string): Promise<void> {
    await this.db.query('UPDATE handoff_agent_sessions SET agent = $1 WHERE agent = $2', [to, from]);
  }
}
