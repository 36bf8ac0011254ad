// The Direct Line 3.0 subset botframework-directlinejs (inside Web Chat) uses, served by the bot:
//   POST /v3/directline/tokens/generate                       new conversation id + token
//   POST /v3/directline/tokens/refresh                        fresh token for the same conversation
//   POST /v3/directline/conversations                         start (the token's conversation, or a new one)
//   GET  /v3/directline/conversations/:id?watermark=          reconnect
//   POST /v3/directline/conversations/:id/activities          post an activity → {id}
//   GET  /v3/directline/conversations/:id/activities?watermark=   activities after the watermark (long poll)
//   POST /v3/directline/conversations/:id/upload?userId=      multipart: an activity + files
//   GET  /webchat/uploads/:id                                 an uploaded file (these two: uploadRoutes.ts)
// Status codes as the client reads them: 403 for a missing, bad or expired token (or one for another
// conversation), 404 for an unknown or ended conversation, 413/415 for uploads, 429 when rate limited.
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { Config } from '../config';
import type { RateLimit, RateLimits } from '../coordination';
import { isPlainObject, jsonBody, sendError } from '../http';
import type { Logger } from '../logger';
import type { WebChatChannel } from './channel';
import type { ActivityFeed } from './feed';
import { clientAddress } from '../clientAddress';
import type { ConversationRow, WebChatRepo } from '../storage/ports';
import { type TokenClaims, type TokenSigner, randomId } from './tokens';
import { UploadRoutes } from './uploadRoutes';

export const DIRECT_LINE_LIMITS = {
  /** New conversations per client address. */
  conversationsPerClient: 20,
  conversationsWindowMs: 10 * 60 * 1000,
  /** Activities a conversation may post per minute (a seller types far slower); every upload attempt counts. */
  activitiesPerConversation: 60,
  activitiesWindowMs: 60 * 1000,
  /** JSON bodies from the page. */
  bodyBytes: 64 * 1024,
  /** How long a GET activities waits for something new before answering empty. */
  longPollMs: 10000,
} as const;

export interface DirectLineDeps {
  server: Server;
  config: Config;
  logger: Logger;
  store: WebChatRepo;
  feed: ActivityFeed;
  channel: WebChatChannel;
  signer: TokenSigner;
  uploadsDir: string;
  rateLimits: RateLimits;
  now: () => Date;
}

const locale = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/, 'not a BCP 47 locale').max(35);

const startBody = z
  .looseObject({ locale: locale.optional(), user: z.looseObject({ id: z.string().max(256).optional(), name: z.string().max(256).optional() }).optional() })
  .optional();

export const clientActivity = z.looseObject({
  type: z.enum(['message', 'event', 'typing', 'endOfConversation']),
  text: z.string().max(20000).optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  locale: locale.optional(),
  name: z.string().max(128).optional(),
  value: z.unknown().optional(),
  from: z.looseObject({ id: z.string().max(256).optional(), name: z.string().max(256).optional() }).optional(),
  channelData: z.looseObject({ clientActivityID: z.string().max(128).optional(), clientTimestamp: z.string().max(64).optional() }).optional(),
  localTimestamp: z.string().max(64).optional(),
  localTimezone: z.string().max(64).optional(),
  attachments: z.array(z.looseObject({ contentType: z.string().max(256).optional(), name: z.string().max(512).optional() })).max(20).optional(),
});

export type ClientActivity = z.infer<typeof clientActivity>;

/**
 * Sent by the page when it is closed or reloaded (pagehide): the conversation counts as abandoned unless
 * the page asks for it again within WEBCHAT_LEAVE_SECONDS (a reload does at once). Not passed to the bot.
 */
export const LEAVING_EVENT = 'webchat/leaving';

function query(req: Request): URLSearchParams {
  return new URL(req.url ?? '/', 'http://localhost').searchParams;
}

function parseWatermark(value: string | null): number {
  const n = Number(value ?? '');
  return Number.isInteger(n) && n > 0 ? n : 0;
}

export class DirectLineApi {
  private readonly conversationLimiter: RateLimit;
  private readonly activityLimiter: RateLimit;

  /** Conversations whose page was closed, with the timer that ends them (see LEAVING_EVENT). */
  private readonly leaving = new Map<string, NodeJS.Timeout>();

  private readonly uploads: UploadRoutes;

  constructor(private readonly deps: DirectLineDeps) {
    this.uploads = new UploadRoutes(deps, this);
    const { conversationsPerClient, conversationsWindowMs, activitiesPerConversation, activitiesWindowMs } = DIRECT_LINE_LIMITS;
    this.conversationLimiter = deps.rateLimits.limit('webchat-conversations-per-address', { limit: conversationsPerClient, windowMs: conversationsWindowMs });
    this.activityLimiter = deps.rateLimits.limit('webchat-activities-per-conversation', { limit: activitiesPerConversation, windowMs: activitiesWindowMs });
  }

  /** Stops the timers of closed pages (shutting down: a page closed just before is not taken as gone). */
  close(): void {
    for (const timer of this.leaving.values()) clearTimeout(timer);
    this.leaving.clear();
  }

  registerRoutes(): void {
    const { server } = this.deps;
    const json = jsonBody(Math.min(this.deps.config.BODY_LIMIT_BYTES, DIRECT_LINE_LIMITS.bodyBytes));
    // restify awaits async handlers; they must resolve to nothing once the response is under way.
    const handle = (fn: (req: Request, res: Response) => unknown) => async (req: Request, res: Response) => {
      await fn.call(this, req, res);
    };
    const base = '/v3/directline';
    server.post(`${base}/tokens/generate`, ...json, handle(this.generate));
    server.post(`${base}/tokens/refresh`, ...json, handle(this.refresh));
    server.post(`${base}/conversations`, ...json, handle(this.start));
    server.get(`${base}/conversations/:conversationId`, handle(this.reconnect));
    server.post(`${base}/conversations/:conversationId/activities`, ...json, handle(this.postActivity));
    server.get(`${base}/conversations/:conversationId/activities`, handle(this.getActivities));
    server.post(`${base}/conversations/:conversationId/upload`, async (req: Request, res: Response) => {
      await this.uploads.upload(req, res);
    });
    server.get('/webchat/uploads/:uploadId', async (req: Request, res: Response) => {
      await this.uploads.serve(req, res);
    });
  }

  // --- tokens and conversations ---

  private async generate(req: Request, res: Response): Promise<void> {
    const body = startBody.safeParse(req.body ?? undefined);
    if (!body.success) return sendError(res, 400, 'BadRequest', body.error.issues[0]?.message ?? 'invalid body');
    const created = await this.createConversation(req, res, body.data?.locale);
    if (!created) return;
    res.status(200);
    res.json(this.conversationResponse(created.id, created.userId));
  }

  private async refresh(req: Request, res: Response): Promise<void> {
    const access = await this.authorize(req, res);
    if (!access) return;
    res.status(200);
    res.json(this.conversationResponse(access.conversation.id, access.claims.userId));
  }

  /** With a token: starts that token's conversation. Without one: creates and starts a new conversation. */
  private async start(req: Request, res: Response): Promise<void> {
    const body = startBody.safeParse(req.body ?? undefined);
    if (!body.success) return sendError(res, 400, 'BadRequest', body.error.issues[0]?.message ?? 'invalid body');
    let conversation: ConversationRow | undefined;
    if (req.header('authorization')) {
      conversation = (await this.authorize(req, res))?.conversation;
      if (!conversation) return;
    } else {
      const created = await this.createConversation(req, res, body.data?.locale);
      if (!created) return;
      conversation = (await this.deps.store.getConversation(created.id))!;
    }
    const first = await this.ensureStarted(conversation, body.data?.locale);
    res.status(first ? 201 : 200);
    res.json(this.conversationResponse(conversation.id, conversation.userId));
  }

  private async reconnect(req: Request, res: Response): Promise<void> {
    const access = await this.authorize(req, res, String(req.params.conversationId));
    if (!access) return;
    await this.ensureStarted(access.conversation, undefined);
    res.status(200);
    res.json(this.conversationResponse(access.conversation.id, access.claims.userId));
  }

  private async createConversation(req: Request, res: Response, locale: string | undefined): Promise<{ id: string; userId: string } | undefined> {
    const client = clientAddress(req, this.deps.config.TRUSTED_PROXIES);
    const verdict = await this.conversationLimiter.take(client);
    if (!verdict.allowed) {
      res.header('Retry-After', String(verdict.retryAfterSeconds));
      sendError(res, 429, 'TooManyRequests', `too many new conversations from this address; try again in ${verdict.retryAfterSeconds} s`);
      return undefined;
    }
    const id = randomId();
    const userId = `dl_${randomId()}`;
    await this.deps.store.createConversation(id, userId, locale, this.deps.now());
    this.deps.logger.info({ conversationId: id }, 'web chat conversation created');
    return { id, userId };
  }

  /** The first start tells the bot the seller joined (conversationUpdate), which brings the welcome. */
  private async ensureStarted(conversation: ConversationRow, locale: string | undefined): Promise<boolean> {
    if (!(await this.deps.store.markStarted(conversation.id, locale, this.deps.now()))) return false;
    const user = { id: conversation.userId, role: 'user' };
    void this.deps.channel.runTurn({
      type: 'conversationUpdate',
      id: randomId(),
      timestamp: this.deps.now().toISOString(),
      locale: locale ?? conversation.locale ?? undefined,
      from: user,
      recipient: this.deps.channel.bot,
      conversation: { id: conversation.id },
      membersAdded: [this.deps.channel.bot, user],
    });
    return true;
  }

  private conversationResponse(conversationId: string, userId: string) {
    const { token, expiresIn } = this.deps.signer.sign(conversationId, userId);
    return { conversationId, token, expires_in: expiresIn };
  }

  /**
   * Checks the bearer token (and that it is for the conversation in the path): 403 when missing,
   * forged or expired, 404 when its conversation is unknown or ended. `beforeRefusal` runs just before
   * such an answer (to set its headers).
   */
  async authorize(
    req: Request,
    res: Response,
    pathConversationId?: string,
    beforeRefusal?: () => void,
  ): Promise<{ claims: TokenClaims; conversation: ConversationRow } | undefined> {
    const refuse = (status: number, code: string, message: string): undefined => {
      beforeRefusal?.();
      sendError(res, status, code, message);
      return undefined;
    };
    const header = req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return refuse(403, 'MissingToken', 'a Direct Line token is required (Authorization: Bearer <token>)');
    const check = this.deps.signer.verify(match[1]!);
    if (!check.ok) {
      return refuse(403, check.reason === 'expired' ? 'TokenExpired' : 'InvalidToken', `the token is ${check.reason === 'expired' ? 'expired' : 'not valid'}`);
    }
    if (pathConversationId !== undefined && pathConversationId !== check.claims.conversationId) {
      return refuse(403, 'InvalidToken', 'the token is for another conversation');
    }
    const conversation = await this.deps.store.getConversation(check.claims.conversationId);
    if (!conversation || conversation.endedAt) return refuse(404, 'NotFound', 'the conversation is unknown or has ended');
    this.stillHere(conversation.id);
    return { claims: check.claims, conversation };
  }

  // --- activities ---

  private async postActivity(req: Request, res: Response): Promise<void> {
    const access = await this.authorize(req, res, String(req.params.conversationId));
    if (!access) return;
    if (!isPlainObject(req.body)) return sendError(res, 400, 'BadRequest', 'expected a JSON activity object');
    const parsed = clientActivity.safeParse(req.body);
    if (!parsed.success) {
      const detail = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'activity'}: ${i.message}`);
      return sendError(res, 400, 'BadRequest', `invalid activity: ${detail.join('; ')}`);
    }
    const input = parsed.data;
    if (input.type === 'event' && /^handoff\./i.test(input.name ?? '')) {
      return sendError(res, 400, 'BadRequest', 'handoff events cannot be sent from the web chat');
    }
    if (input.type === 'event' && input.name === LEAVING_EVENT) {
      this.expectLeave(access.conversation, access.claims);
      res.status(200);
      return res.json({ id: randomId() });
    }
    if (input.type === 'typing') {
      // Seller typing is not stored or passed to the bot; acknowledged so the client is content.
      res.status(200);
      return res.json({ id: randomId() });
    }
    if (!(await this.allowActivity(res, access.conversation.id))) return;
    const activity = this.buildUserActivity(input, access.claims, access.conversation);
    await this.deliver(req, res, access.conversation, activity);
  }

  private stillHere(conversationId: string): void {
    const timer = this.leaving.get(conversationId);
    if (!timer) return;
    clearTimeout(timer);
    this.leaving.delete(conversationId);
  }

  /** The page was closed: unless it comes back in time, the seller left (the same turn as 새 상담 sends). */
  private expectLeave(conversation: ConversationRow, claims: TokenClaims): void {
    this.stillHere(conversation.id);
    const timer = setTimeout(() => {
      this.leaving.delete(conversation.id);
      const activity = this.buildUserActivity({ type: 'endOfConversation' }, claims, conversation);
      void this.deps.channel.runTurn({ ...activity, id: randomId(), timestamp: this.deps.now().toISOString(), conversation: { id: conversation.id } });
    }, this.deps.config.WEBCHAT_LEAVE_SECONDS * 1000);
    timer.unref();
    this.leaving.set(conversation.id, timer);
  }

  async allowActivity(res: Response, conversationId: string, beforeRefusal?: () => void): Promise<boolean> {
    const verdict = await this.activityLimiter.take(conversationId);
    if (verdict.allowed) return true;
    beforeRefusal?.();
    res.header('Retry-After', String(verdict.retryAfterSeconds));
    sendError(res, 429, 'TooManyRequests', 'too many messages; wait a moment');
    return false;
  }

  /** The activity as the channel vouches for it: ids, sender and addresses come from the token, not the page. */
  buildUserActivity(input: ClientActivity, claims: TokenClaims, conversation: ConversationRow): Record<string, unknown> {
    const activity: Record<string, unknown> = {
      type: input.type,
      channelId: 'webchat',
      conversation: { id: conversation.id },
      from: { id: claims.userId, role: 'user', ...(input.from?.name ? { name: input.from.name.slice(0, 64) } : {}) },
      recipient: this.deps.channel.bot,
      locale: input.locale ?? conversation.locale ?? undefined,
    };
    if (input.text !== undefined) activity.text = input.text;
    if (input.textFormat) activity.textFormat = input.textFormat;
    if (input.type === 'event' && input.name) activity.name = input.name;
    if (input.value !== undefined) activity.value = input.value;
    if (input.localTimestamp) activity.localTimestamp = input.localTimestamp;
    if (input.localTimezone) activity.localTimezone = input.localTimezone;
    const channelData: Record<string, unknown> = {};
    if (input.channelData?.clientActivityID) channelData.clientActivityID = input.channelData.clientActivityID;
    if (input.channelData?.clientTimestamp) channelData.clientTimestamp = input.channelData.clientTimestamp;
    if (Object.keys(channelData).length) activity.channelData = channelData;
    return activity;
  }

  /** Appends the seller's activity (the echo the page waits for), answers {id}, then runs the bot's turn. */
  async deliver(req: Request, res: Response, conversation: ConversationRow, activity: Record<string, unknown>): Promise<void> {
    const stored = await this.deps.feed.append(conversation.id, activity);
    if (!stored) return sendError(res, 404, 'NotFound', 'the conversation is unknown or has ended');
    res.status(200);
    res.json({ id: stored.activity.id });
    const client = clientAddress(req, this.deps.config.TRUSTED_PROXIES);
    void this.deps.channel.runTurn({ ...stored.activity, conversation: { id: conversation.id } }, client);
  }

  /** Long polls open per conversation (WEBCHAT_POLLS_PER_TOKEN). */
  private readonly polls = new Map<string, number>();

  private async getActivities(req: Request, res: Response): Promise<void> {
    const access = await this.authorize(req, res, String(req.params.conversationId));
    if (!access) return;
    const params = query(req);
    const watermark = parseWatermark(params.get('watermark'));
    const waitParam = params.get('wait');
    const waitMs = waitParam === null ? DIRECT_LINE_LIMITS.longPollMs : Math.min(Math.max(Number(waitParam) || 0, 0), 20) * 1000;
    // Each waiting poll holds a socket and a waiter: a token (one conversation) gets a few at once.
    const conversationId = access.conversation.id;
    const polling = this.polls.get(conversationId) ?? 0;
    if (waitMs > 0 && polling >= this.deps.config.WEBCHAT_POLLS_PER_TOKEN) {
      res.header('Retry-After', '1');
      return sendError(res, 429, 'TooManyRequests', `at most ${this.deps.config.WEBCHAT_POLLS_PER_TOKEN} long polls per conversation at once`);
    }
    this.polls.set(conversationId, polling + 1);
    const abort = new AbortController();
    const onClose = () => abort.abort();
    res.once('close', onClose);
    try {
      const list = await this.deps.feed.after(access.conversation.id, watermark, waitMs, abort.signal);
      if (abort.signal.aborted && !res.writable) return;
      const staleTyping = this.deps.now().getTime() - 10000;
      const activities = list
        .map((s) => s.activity)
        // A typing indicator is news only for a few seconds; history does not replay it.
        .filter((a) => a.type !== 'typing' || Date.parse(String(a.timestamp)) >= staleTyping);
      const last = list.at(-1)?.seq ?? watermark;
      // Shutting down: do not keep the connection for the next poll.
      if (this.deps.feed.isClosed) res.header('Connection', 'close');
      res.status(200);
      res.json({ activities, watermark: String(last) });
    } finally {
      res.off('close', onClose);
      const left = (this.polls.get(conversationId) ?? 1) - 1;
      if (left > 0) this.polls.set(conversationId, left);
      else this.polls.delete(conversationId);
    }
  }
}
