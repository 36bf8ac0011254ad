// Who is an agent: `AGENT_TOKENS` ("name:token" pairs), or in local mode one generated token kept under
// DATA_DIR. Requests carry `Authorization: Bearer <token>` or the console's session cookie (a browser
// EventSource cannot send headers). Tokens are compared in constant time, as SHA-256 digests.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readSecretFile, writeSecretFile } from '../../storage/secretFile';
import type { Request } from 'restify';
import { type Config, parseAgentToken } from '../../config';
import type { AgentSessionRepo } from '../../storage/ports';

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

/** A new local agent token as its file holds it (`name:token`). */
export function newLocalAgentToken(): string {
  return `${LOCAL_AGENT_NAME}:${randomBytes(24).toString('base64url')}`;
}

/** Reads the local agent token, creating it (random, 0600) at first start. */
export function localAgentToken(dataDir: string): { name: string; token: string; created: boolean } {
  const stored = readSecretFile(dataDir, LOCAL_TOKEN_FILE);
  const agent = stored ? parseAgentToken(stored) : undefined;
  if (agent) return { ...agent, name: agent.name === OLD_LOCAL_AGENT_NAME ? LOCAL_AGENT_NAME : agent.name, created: false };
  const created = parseAgentToken(newLocalAgentToken())!;
  writeLocalAgentToken(dataDir, created.name, created.token);
  return { ...created, created: true };
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
  private readonly dataDir: string;
  /** Set in local mode without AGENT_TOKENS: shown at start-up. */
  readonly local?: { name: string; token: string; created: boolean };

  constructor(
    config: Pick<Config, 'AGENT_TOKENS' | 'localMode' | 'dataDir'>,
    private readonly sessions: AgentSessionRepo,
    private readonly now: () => Date,
  ) {
    const pairs = [...config.AGENT_TOKENS];
    if (pairs.length === 0 && config.localMode) {
      this.local = localAgentToken(config.dataDir);
      pairs.push({ name: this.local.name, token: this.local.token });
    }
    this.agents = pairs.map((p) => ({ name: p.name, digest: sha256(p.token) }));
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
  async credentialsOf(req: Request): Promise<{ agent: string; via: 'bearer' | 'cookie' } | undefined> {
    const header = req.header('authorization') ?? '';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (bearer) {
      const agent = this.agentForToken(bearer[1])?.name;
      return agent ? { agent, via: 'bearer' } : undefined;
    }
    // Every session cookie is tried: one planted by another page of the site (a narrower path comes
    // first in the header) must not shadow the agent's own.
    for (const sessionId of cookieValues(req.header('cookie'), SESSION_COOKIE).slice(0, 8)) {
      const agent = await this.agentForSession(sessionId);
      if (agent) return { agent, via: 'cookie' };
    }
    return undefined;
  }

  private async agentForSession(sessionId: string): Promise<string | undefined> {
    const row = await this.sessions.find(sha256(sessionId).toString('hex'));
    if (!row || row.expiresAt <= this.now().toISOString()) return undefined;
    // A token removed from AGENT_TOKENS ends the sessions signed in with it.
    const digest = Buffer.from(row.tokenDigest, 'hex');
    let valid = false;
    for (const agent of this.agents) {
      if (digest.length === agent.digest.length && timingSafeEqual(digest, agent.digest) && agent.name === row.agent) valid = true;
    }
    return valid ? row.agent : undefined;
  }

  /** Exchanges a token for a console session; returns the cookie value. */
  async signIn(token: string): Promise<{ agent: string; sessionId: string; maxAgeSeconds: number } | undefined> {
    const agent = this.agentForToken(token);
    if (!agent) return undefined;
    const sessionId = randomBytes(32).toString('base64url');
    const now = this.now();
    const maxAgeSeconds = SESSION_HOURS * 3600;
    await this.sessions.create({
      idDigest: sha256(sessionId).toString('hex'),
      agent: agent.name,
      tokenDigest: agent.digest.toString('hex'),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + maxAgeSeconds * 1000).toISOString(),
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
  async chooseName(agent: string, name: string): Promise<boolean> {
    const local = this.local;
    if (!local || !this.canChooseName(agent)) return false;
    // The name is taken before the first await, so a second request cannot choose one too.
    const from = local.name;
    local.name = name;
    writeLocalAgentToken(this.dataDir, name, local.token);
    for (const credential of this.agents) if (credential.name === from) credential.name = name;
    await this.sessions.renameAgent(from, name);
    return true;
  }

  async signOut(req: Request): Promise<void> {
    const sessionId = parseCookies(req.header('cookie')).get(SESSION_COOKIE);
    if (!sessionId) return;
    await this.sessions.delete(sha256(sessionId).toString('hex'));
  }

  static cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
    return `${SESSION_COOKIE}=${value}; Path=/api/agent; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }
}
