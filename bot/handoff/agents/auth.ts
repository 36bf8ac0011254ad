// Who is an agent: `AGENT_TOKENS` ("name:token" pairs), or in local mode one generated token kept under
// DATA_DIR. Requests carry `Authorization: Bearer <token>` or the console's session cookie (a browser
// EventSource cannot send headers). Tokens are compared in constant time, as SHA-256 digests.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readSecretFile, writeSecretFile } from '../../storage/secretFile';
import type { Request } from 'restify';
import { type Config, parseAgentToken } from '../../config';
import { type Database, migrate, withBusyRetry } from '../../storage/database';

export const SESSION_COOKIE = 'agent_session';
export const SESSION_HOURS = 12;
/** File under DATA_DIR holding the local agent's "name:token" (edit the name before the colon to rename). */
export const LOCAL_TOKEN_FILE = 'agent-token';
/** The generated agent's name until they choose one (sellers then see "고객센터 상담사"). */
export const LOCAL_AGENT_NAME = '상담사';
/** What earlier versions called the generated agent: read as not named yet. */
const OLD_LOCAL_AGENT_NAME = 'local';
/** A display name an agent may choose (trimmed): what sellers read after "상담사"; no colon, the file's separator. */
export const AGENT_NAME_PATTERN = /^[^:[\]<>\p{Cc}]{1,20}$/u;

interface AgentCredential {
  name: string;
  digest: Buffer;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Reads the local agent token, creating it (random, 0600) at first start. */
export function localAgentToken(dataDir: string): { name: string; token: string; created: boolean } {
  const stored = readSecretFile(dataDir, LOCAL_TOKEN_FILE);
  const agent = stored ? parseAgentToken(stored) : undefined;
  if (agent) return { ...agent, name: agent.name === OLD_LOCAL_AGENT_NAME ? LOCAL_AGENT_NAME : agent.name, created: false };
  const token = randomBytes(24).toString('base64url');
  writeLocalAgentToken(dataDir, LOCAL_AGENT_NAME, token);
  return { name: LOCAL_AGENT_NAME, token, created: true };
}

function writeLocalAgentToken(dataDir: string, name: string, token: string): void {
  writeSecretFile(dataDir, LOCAL_TOKEN_FILE, `${name}:${token}`);
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      cookies.set(name, value);
    }
  }
  return cookies;
}

/** Every value of the cookie `name`, in header order. */
function cookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0 || part.slice(0, at).trim() !== name) continue;
    const value = part.slice(at + 1).trim();
    try {
      values.push(decodeURIComponent(value));
    } catch {
      values.push(value);
    }
  }
  return values;
}

export class AgentAuth {
  private readonly agents: AgentCredential[];
  private readonly selectSession;
  private readonly deleteExpired;
  private readonly insertSession;
  private readonly deleteSession;
  private readonly renameSessions;
  private readonly dataDir: string;
  /** Set in local mode without AGENT_TOKENS: shown at start-up. */
  readonly local?: { name: string; token: string; created: boolean };

  constructor(
    config: Pick<Config, 'AGENT_TOKENS' | 'localMode' | 'dataDir'>,
    db: Database,
    private readonly now: () => Date,
  ) {
    const pairs = [...config.AGENT_TOKENS];
    if (pairs.length === 0 && config.localMode) {
      this.local = localAgentToken(config.dataDir);
      pairs.push({ name: this.local.name, token: this.local.token });
    }
    this.agents = pairs.map((p) => ({ name: p.name, digest: sha256(p.token) }));
    migrate(
      db,
      'handoff/002-agent-sessions',
      `CREATE TABLE handoff_agent_sessions (
         id_digest TEXT PRIMARY KEY,
         agent TEXT NOT NULL,
         token_digest TEXT NOT NULL,
         created_at TEXT NOT NULL,
         expires_at TEXT NOT NULL
       )`,
    );
    this.selectSession = db.prepare<[string], { agent: string; token_digest: string; expires_at: string }>(
      'SELECT agent, token_digest, expires_at FROM handoff_agent_sessions WHERE id_digest = ?',
    );
    this.deleteExpired = db.prepare<[string]>('DELETE FROM handoff_agent_sessions WHERE expires_at <= ?');
    this.insertSession = db.prepare<[string, string, string, string, string]>(
      'INSERT INTO handoff_agent_sessions (id_digest, agent, token_digest, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.deleteSession = db.prepare<[string]>('DELETE FROM handoff_agent_sessions WHERE id_digest = ?');
    this.renameSessions = db.prepare<[string, string]>('UPDATE handoff_agent_sessions SET agent = ? WHERE agent = ?');
    this.dataDir = config.dataDir;
  }

  get agentNames(): string[] {
    return [...new Set(this.agents.map((a) => a.name))];
  }

  /** The agent a token belongs to. Every credential is compared, so timing says nothing about which matched. */
  agentForToken(token: string): AgentCredential | undefined {
    const digest = sha256(token);
    let found: AgentCredential | undefined;
    for (const agent of this.agents) {
      if (timingSafeEqual(digest, agent.digest) && !found) found = agent;
    }
    return found;
  }

  /** The agent and how the request proved it: a bearer token first, then the session cookie (which browsers send on their own). */
  credentialsOf(req: Request): { agent: string; via: 'bearer' | 'cookie' } | undefined {
    const header = req.header('authorization') ?? '';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (bearer) {
      const agent = this.agentForToken(bearer[1])?.name;
      return agent ? { agent, via: 'bearer' } : undefined;
    }
    // Every session cookie is tried: one planted by another page of the site (a narrower path comes
    // first in the header) must not shadow the agent's own.
    for (const sessionId of cookieValues(req.header('cookie'), SESSION_COOKIE).slice(0, 8)) {
      const agent = this.agentForSession(sessionId);
      if (agent) return { agent, via: 'cookie' };
    }
    return undefined;
  }

  private agentForSession(sessionId: string): string | undefined {
    const row = this.selectSession.get(sha256(sessionId).toString('hex'));
    if (!row || row.expires_at <= this.now().toISOString()) return undefined;
    // A token removed from AGENT_TOKENS ends the sessions signed in with it.
    const digest = Buffer.from(row.token_digest, 'hex');
    let valid = false;
    for (const agent of this.agents) {
      if (digest.length === agent.digest.length && timingSafeEqual(digest, agent.digest) && agent.name === row.agent) valid = true;
    }
    return valid ? row.agent : undefined;
  }

  /** Exchanges a token for a console session; returns the cookie value. */
  signIn(token: string): { agent: string; sessionId: string; maxAgeSeconds: number } | undefined {
    const agent = this.agentForToken(token);
    if (!agent) return undefined;
    const sessionId = randomBytes(32).toString('base64url');
    const now = this.now();
    const maxAgeSeconds = SESSION_HOURS * 3600;
    withBusyRetry(() => {
      this.deleteExpired.run(now.toISOString());
      this.insertSession.run(
          sha256(sessionId).toString('hex'),
          agent.name,
          agent.digest.toString('hex'),
          now.toISOString(),
          new Date(now.getTime() + maxAgeSeconds * 1000).toISOString(),
        );
    });
    return { agent: agent.name, sessionId, maxAgeSeconds };
  }

  /** Whether this agent is the generated local one and has not chosen a display name yet. */
  canChooseName(agent: string): boolean {
    return this.local !== undefined && this.local.name === LOCAL_AGENT_NAME && agent === LOCAL_AGENT_NAME;
  }

  /**
   * The local agent's display name, chosen once at first sign-in and kept in the token file; their
   * console sessions follow. False when not allowed (another agent, or a name already chosen).
   */
  chooseName(agent: string, name: string): boolean {
    const local = this.local;
    if (!local || !this.canChooseName(agent)) return false;
    writeLocalAgentToken(this.dataDir, name, local.token);
    for (const credential of this.agents) if (credential.name === local.name) credential.name = name;
    withBusyRetry(() => this.renameSessions.run(name, local.name));
    local.name = name;
    return true;
  }

  signOut(req: Request): void {
    const sessionId = parseCookies(req.header('cookie')).get(SESSION_COOKIE);
    if (!sessionId) return;
    withBusyRetry(() => this.deleteSession.run(sha256(sessionId).toString('hex')));
  }

  static cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
    return `${SESSION_COOKIE}=${value}; Path=/api/agent; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }
}
