// The agents' HTTP API (contract in README "Human handoff") and the console's static files at /agent.
import type { Request, RequestHandler, Response, Server } from 'restify';
import { z } from 'zod';
import type { Knowledge } from '../../../knowledge';
import { clientAddress } from '../../clientAddress';
import type { Config } from '../../config';
import type { RateLimits } from '../../coordination';
import { jsonBody, sendError, sendTooManyRequests } from '../../http';
import type { Logger } from '../../logger';
import { projectPath } from '../../../intents/paths';
import { StaticFiles, filesIn } from '../../staticFiles';
import { AGENT_NAME_PATTERN, AgentAuth } from './auth';
import type { AgentDesk } from '../agentDesk';
import type { HandoffService } from '../service';
import type { HandoffViews } from '../views';
import type { AgentStream } from './stream';

export interface AgentRoutesDeps {
  service: HandoffService;
  desk: AgentDesk;
  views: HandoffViews;
  stream: AgentStream;
  auth: AgentAuth;
  config: Config;
  logger: Logger;
  knowledge: Knowledge;
  rateLimits: RateLimits;
}

const CONSOLE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

const signInSchema = z.strictObject({ token: z.string().min(1, 'token is required').max(512) });

type AuthedRequest = Request & { agent?: string };

function zodMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
    .join('; ');
}

/**
 * Cross-site request forgery: a state change is refused when its body type is one a plain HTML form can
 * send, and, when the browser's own cookie is the credential, when another origin (another port of
 * this host included) sent it. Requests without Origin (curl, other servers) are judged by their
 * credentials: browsers never add a bearer token by themselves.
 */
function refusedAsForged(req: Request, res: Response, byCookie: boolean, publicBaseUrl?: string): boolean {
  const type = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type && type !== 'application/json') {
    sendError(res, 415, 'UnsupportedMediaType', 'expected Content-Type: application/json');
    return true;
  }
  if (!byCookie) return false;
  const site = (req.header('sec-fetch-site') ?? '').toLowerCase();
  const origin = req.header('origin');
  if (site === 'cross-site' || site === 'same-site' || (origin !== undefined && origin !== ownOrigin(req) && origin !== publicBaseUrl)) {
    sendError(res, 403, 'Forbidden', 'cross-site request refused');
    return true;
  }
  return false;
}

function ownOrigin(req: Request): string {
  return `${isSecure(req) ? 'https' : 'http'}://${req.header('host') ?? ''}`;
}

function isSecure(req: Request): boolean {
  return req.isSecure() || req.header('x-forwarded-proto') === 'https';
}

export function registerAgentRoutes(server: Server, deps: AgentRoutesDeps): void {
  const { service, desk, views, stream, auth, config, logger } = deps;
  const body = jsonBody(config.BODY_LIMIT_BYTES);
  const nameSchema = z.strictObject({
    name: z.string().trim().regex(AGENT_NAME_PATTERN, 'a name of 1 to 20 characters, without : [ ] < >'),
  });
  const messageSchema = z.strictObject({
    text: z.string().trim().min(1, 'text must not be empty').max(config.MAX_MESSAGE_LENGTH, `text is longer than ${config.MAX_MESSAGE_LENGTH} characters`),
  });

  // One guessing budget per client address (X-Forwarded-For only from TRUSTED_PROXIES): sign-in attempts
  // and failed authentications on every other agent endpoint (SSE included) take from it. An address out
  // of budget is refused before its credentials are looked at, so a late right guess tells nothing.
  const guesses = deps.rateLimits.limit('agent-auth-per-address', { limit: config.SIGNIN_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 });
  const tooManyGuesses = async (req: Request, res: Response): Promise<boolean> => {
    const client = clientAddress(req, config.TRUSTED_PROXIES);
    const verdict = await guesses.check(client);
    if (verdict.allowed) return false;
    logger.warn({ ip: client }, 'agent authentication rate limited');
    sendTooManyRequests(res, verdict.retryAfterSeconds, `too many failed attempts; try again in ${verdict.retryAfterSeconds} s`);
    return true;
  };

  /** Whether the request carries an agent's credentials (and may go on); otherwise it has been answered. */
  const authenticate = async (req: Request, res: Response): Promise<boolean> => {
    if (await tooManyGuesses(req, res)) return false;
    const credentials = await auth.credentialsOf(req);
    if (!credentials) {
      await guesses.take(clientAddress(req, config.TRUSTED_PROXIES));
      res.header('www-authenticate', 'Bearer realm="agent"');
      sendError(res, 401, 'Unauthorized', 'a valid agent token is required (Authorization: Bearer <token>, or sign in at /agent)');
      return false;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && refusedAsForged(req, res, credentials.via === 'cookie', config.PUBLIC_BASE_URL)) return false;
    const agent = credentials.agent;
    (req as AuthedRequest).agent = agent;
    res.header('cache-control', 'no-store');
    return true;
  };
  // Not an async handler: restify always goes on after one, and a refused request must stop here.
  const requireAgent: RequestHandler = (req, res, next) => {
    authenticate(req, res).then((ok) => next(ok ? undefined : false), next);
  };
  const agentOf = (req: Request): string => (req as AuthedRequest).agent!;
  const conversationIdOf = (req: Request): string => String(req.params?.conversationId ?? '');

  // ---- the console: index.html at /agent, its scripts and style beside it ----
  const consoleFiles = new StaticFiles(filesIn(projectPath('bot', 'handoff', 'console')), CONSOLE_HEADERS);
  server.get('/agent', async (req, res) => {
    await consoleFiles.send('index.html', req, res);
  });
  server.get('/agent/:file', async (req, res) => {
    const file = String(req.params?.file ?? '');
    await consoleFiles.send(file === 'index.html' ? '' : file, req, res);
  });

  // ---- sign-in for the console (a cookie, because EventSource cannot send headers) ----
  // Every attempt counts, per client address (X-Forwarded-For only from TRUSTED_PROXIES).
  server.post('/api/agent/session', ...body, async (req, res) => {
    if (refusedAsForged(req, res, true, config.PUBLIC_BASE_URL)) return;
    const client = clientAddress(req, config.TRUSTED_PROXIES);
    const verdict = await guesses.take(client);
    if (!verdict.allowed) {
      logger.warn({ ip: client }, 'agent sign-in rate limited');
      return sendTooManyRequests(res, verdict.retryAfterSeconds, `too many sign-in attempts; try again in ${verdict.retryAfterSeconds} s`);
    }
    const parsed = signInSchema.safeParse(req.body ?? {});
    if (!parsed.success) return sendError(res, 400, 'BadRequest', zodMessage(parsed.error));
    const session = await auth.signIn(parsed.data.token);
    if (!session) {
      logger.warn({ ip: client }, 'agent sign-in refused');
      return sendError(res, 401, 'Unauthorized', 'unknown agent token');
    }
    res.header('set-cookie', AgentAuth.cookie(session.sessionId, session.maxAgeSeconds, isSecure(req)));
    res.header('cache-control', 'no-store');
    res.json({ agent: session.agent });
  });
  server.del('/api/agent/session', async (req, res) => {
    await auth.signOut(req);
    res.header('set-cookie', AgentAuth.cookie('', 0, isSecure(req)));
    res.status(204);
    res.end();
  });

  server.get('/api/agent/me', requireAgent, async (req, res) => {
    res.json({ agent: agentOf(req), agentsOnline: service.agentsOnline, canChooseName: auth.canChooseName(agentOf(req)) });
  });

  // The generated local agent chooses the name sellers see, once (it is kept in DATA_DIR/agent-token).
  server.put('/api/agent/me', requireAgent, ...body, async (req, res) => {
    const parsed = nameSchema.safeParse(req.body ?? {});
    if (!parsed.success) return sendError(res, 400, 'BadRequest', zodMessage(parsed.error));
    if (!(await auth.chooseName(agentOf(req), parsed.data.name))) {
      return sendError(res, 409, 'Conflict', 'only the generated local agent chooses a name, once (edit DATA_DIR/agent-token to change it)');
    }
    await desk.renameAgent(agentOf(req), parsed.data.name);
    res.json({ agent: parsed.data.name });
  });

  server.get('/api/agent/queue', requireAgent, async (req, res) => {
    const missedBefore = new URLSearchParams(req.getQuery() ?? '').get('missedBefore') ?? undefined;
    if (missedBefore !== undefined && Number.isNaN(Date.parse(missedBefore))) return sendError(res, 400, 'BadRequest', 'missedBefore: expected an ISO-8601 time');
    res.json(await views.queueView({ missedBefore: missedBefore && new Date(missedBefore).toISOString() }));
  });

  server.get('/api/agent/canned', requireAgent, async (_req, res) => {
    res.json({ canned: deps.knowledge.canned });
  });

  server.get('/api/agent/events', requireAgent, async (req, res) => {
    // A long-lived response: the handler returns at once, the stream stays open until either side closes it.
    req.socket.setTimeout(0);
    req.socket.setKeepAlive(true);
    await stream.open(agentOf(req), res);
  });

  server.post('/api/agent/conversations/:conversationId/accept', requireAgent, ...body, async (req, res) => {
    const result = await desk.accept(conversationIdOf(req), agentOf(req));
    if (result.status === 'conflict') return sendError(res, 409, 'Conflict', `agent ${result.agent} already accepted this conversation`);
    if (result.status === 'not_found') return sendError(res, 404, 'NotFound', 'no waiting request for this conversation');
    res.json({
      conversationId: result.session.conversationId,
      agent: agentOf(req),
      caseNumber: result.session.caseNumber,
      language: result.session.language,
      notified: result.notified,
    });
  });

  server.post('/api/agent/conversations/:conversationId/messages', requireAgent, ...body, async (req, res) => {
    const parsed = messageSchema.safeParse(req.body ?? {});
    if (!parsed.success) return sendError(res, 400, 'BadRequest', zodMessage(parsed.error));
    const result = await desk.sendAgentMessage(conversationIdOf(req), agentOf(req), parsed.data.text);
    switch (result.status) {
      case 'ok':
        res.json({ delivered: true, messageId: result.message.id, timestamp: result.message.createdAt });
        return;
      case 'undelivered':
        // Kept in the outbox and retried in order; a `message` event with delivered: true follows once it arrives.
        res.status(502);
        res.json({
          code: 'SellerUnreachable',
          message: "the seller's channel could not be reached right now; the message is kept as undelivered and retried until it arrives",
          delivered: false,
          messageId: result.message.id,
        });
        return;
      case 'held':
        // The seller's channel answers only their next message (KakaoTalk without its Event API): the
        // message waits in the outbox; a `message` event with delivered: true follows once they write.
        res.status(202);
        res.json({ delivered: false, pending: 'next_message', messageId: result.message.id });
        return;
      case 'seller_left':
        res.status(410);
        res.json({ code: 'SellerLeft', message: 'the seller left the conversation; the message is kept as undelivered', delivered: false, messageId: result.message.id });
        return;
      case 'forbidden':
        return sendError(res, 403, 'Forbidden', 'accept the conversation before writing to the seller (or another agent has it)');
      case 'not_active':
        return sendError(res, 409, 'Conflict', 'the chat is closed');
      default:
        return sendError(res, 404, 'NotFound', 'unknown conversation');
    }
  });

  server.post('/api/agent/conversations/:conversationId/close', requireAgent, ...body, async (req, res) => {
    const result = await desk.closeByAgent(conversationIdOf(req), agentOf(req));
    switch (result.status) {
      case 'ok':
        res.json({ closed: true, caseNumber: result.caseNumber, notified: result.notified, dismissed: result.dismissed });
        return;
      case 'forbidden':
        return sendError(res, 403, 'Forbidden', 'another agent has this conversation');
      case 'not_accepted':
        return sendError(res, 409, 'Conflict', 'the seller is still waiting: accept the conversation first');
      default:
        return sendError(res, 404, 'NotFound', 'no open chat, missed request or ticket for this conversation');
    }
  });

  server.get('/api/agent/conversations/:conversationId/transcript', requireAgent, async (req, res) => {
    const transcript = await views.transcript(conversationIdOf(req));
    if (!transcript) return sendError(res, 404, 'NotFound', 'unknown conversation');
    res.json({ conversationId: conversationIdOf(req), ...transcript });
  });

  server.post('/api/agent/tickets/:caseNumber/dismiss', requireAgent, ...body, async (req, res) => {
    if (!(await desk.dismissTicket(String(req.params?.caseNumber ?? '')))) return sendError(res, 404, 'NotFound', 'no open ticket with this case number');
    res.json({ dismissed: true });
  });
}
