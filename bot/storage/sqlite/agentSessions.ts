// The agents' console sessions in SQLite (only digests of the cookie and the token are stored).
import type { AgentSession, AgentSessionRepo } from '../ports';
import { type Database, withBusyRetry } from './database';

interface Row {
  id_digest: string;
  agent: string;
  token_digest: string;
  created_at: string;
  expires_at: string;
}

export class SqliteAgentSessions implements AgentSessionRepo {
  private readonly select;
  private readonly insert;
  private readonly deleteExpired;
  private readonly deleteOne;
  private readonly rename;

  constructor(db: Database) {
    this.select = db.prepare<[string], Row>('SELECT * FROM handoff_agent_sessions WHERE id_digest = ?');
    this.insert = db.prepare<[string, string, string, string, string]>(
      'INSERT INTO handoff_agent_sessions (id_digest, agent, token_digest, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.deleteExpired = db.prepare<[string]>('DELETE FROM handoff_agent_sessions WHERE expires_at <= ?');
    this.deleteOne = db.prepare<[string]>('DELETE FROM handoff_agent_sessions WHERE id_digest = ?');
    this.rename = db.prepare<[string, string]>('UPDATE handoff_agent_sessions SET agent = ? WHERE agent = ?');
  }

  async find(idDigest: string): Promise<AgentSession | undefined> {
    const row = this.select.get(idDigest);
    return row && { idDigest: row.id_digest, agent: row.agent, tokenDigest: row.token_digest, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  async create(session: AgentSession): Promise<void> {
    withBusyRetry(() => {
      this.deleteExpired.run(session.createdAt);
      this.insert.run(session.idDigest, session.agent, session.tokenDigest, session.createdAt, session.expiresAt);
    });
  }

  async delete(idDigest: string): Promise<void> {
    withBusyRetry(() => this.deleteOne.run(idDigest));
  }

  async renameAgent(from: string, to: string): Promise<void> {
    withBusyRetry(() => this.rename.run(to, from));
  }
}
