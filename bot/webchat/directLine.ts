// The Direct Line 3.0 subset botframework-directlinejs (inside Web Chat) uses, served by the bot:
//   POST /v3/directline/tokens/generate                       new conversation id + token
//   POST /v3/directline/tokens/refresh                        fresh token for the same conversation
//   POST /v3/directline/conversations                         start (the token's conversation, or a new one)
//   GET  /v3/directline/conversations/:id?watermark=          reconnect
//   POST /v3/directline/conversations/:id/activities          post an activity → {id}
//   GET  /v3/directline/conversations/:id/activities?watermark=   activities after the watermark (long poll)
//   POST /v3/directline/conversations/:id/upload?userId=      multipart: an activity + files
//   GET  /webchat/uploads/:id                                 an uploaded file
// Status codes as the client reads them: 403 for a missing, bad or expired token (or one for another
// conversation), 404 for an unknown or ended conversation, 413/415 for uploads, 429 when rate limited.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { Config } from '../config';
import { isPlainObject, jsonBody, sendError } from '../http';
import type { Logger } from '../logger';
import type { LocalChannel } from './channel';
import type { ActivityFeed } from './feed';
import { clientAddress, normalizeAddress } from '../clientAddress';
import { SlidingWindowLimiter } from './limits';
import type { ConversationRow, WebChatStore } from './store';
import { type TokenClaims, type TokenSigner, randomId } from './tokens';
import {
  ACCEPTED_TYPES,
  type AcceptedType,
  BodyTooLargeError,
  MultipartError,
  UPLOAD_LIMITS,
  boundaryOf,
  cleanFileName,
  extensionOf,
  parseMultipart,
  readBody,
  sniffType,
} from './uploads';

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
  store: WebChatStore;
  feed: ActivityFeed;
  channel: LocalChannel;
  signer: TokenSigner;
  uploadsDir: string;
  now: () => Date;
}

const locale = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/, 'not a BCP 47 locale').max(35);

const startBody = z
  .looseObject({ locale: locale.optional(), user: z.looseObject({ id: z.string().max(256).optional(), name: z.string().max(256).optional() }).optional() })
  .optional();

const clientActivity = z.looseObject({
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

type ClientActivity = z.infer<typeof clientActivity>;

const UPLOAD_ID = /^[A-Za-z0-9_-]{22}$/;
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
  private readonly conversationLimiter = new SlidingWindowLimiter(
    DIRECT_LINE_LIMITS.conversationsPerClient,
    DIRECT_LINE_LIMITS.conversationsWindowMs,
  );
  private readonly activityLimiter = new SlidingWindowLimiter(DIRECT_LINE_LIMITS.activitiesPerConversation, DIRECT_LINE_LIMITS.activitiesWindowMs);

  /** Conversations whose page was closed, with the timer that ends them (see LEAVING_EVENT). */
  private readonly leaving = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: DirectLineDeps) {}

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
    server.post(`${base}/conversations/:conversationId/upload`, handle(this.upload));
    server.get('/webchat/uploads/:uploadId', handle(this.serveUpload));
  }

  // --- tokens and conversations ---

  private generate(req: Request, res: Response): void {
    const body = startBody.safeParse(req.body ?? undefined);
    if (!body.success) return sendError(res, 400, 'BadRequest', body.error.issues[0]?.message ?? 'invalid body');
    const created = this.createConversation(req, res, body.data?.locale);
    if (!created) return;
    res.status(200);
    res.json(this.conversationResponse(created.id, created.userId));
  }

  private refresh(req: Request, res: Response): void {
    const access = this.authorize(req, res);
    if (!access) return;
    res.status(200);
    res.json(this.conversationResponse(access.conversation.id, access.claims.userId));
  }

  /** With a token: starts that token's conversation. Without one: creates and starts a new conversation. */
  private start(req: Request, res: Response): void {
    const body = startBody.safeParse(req.body ?? undefined);
    if (!body.success) return sendError(res, 400, 'BadRequest', body.error.issues[0]?.message ?? 'invalid body');
    let conversation: ConversationRow | undefined;
    if (req.header('authorization')) {
      conversation = this.authorize(req, res)?.conversation;
      if (!conversation) return;
    } else {
      const created = this.createConversation(req, res, body.data?.locale);
      if (!created) return;
      conversation = this.deps.store.getConversation(created.id)!;
    }
    const first = this.ensureStarted(conversation, body.data?.locale);
    res.status(first ? 201 : 200);
    res.json(this.conversationResponse(conversation.id, conversation.userId));
  }

  private reconnect(req: Request, res: Response): void {
    const access = this.authorize(req, res, String(req.params.conversationId));
    if (!access) return;
    this.ensureStarted(access.conversation, undefined);
    res.status(200);
    res.json(this.conversationResponse(access.conversation.id, access.claims.userId));
  }

  private createConversation(req: Request, res: Response, locale: string | undefined): { id: string; userId: string } | undefined {
    const client = clientAddress(req, this.deps.config.TRUSTED_PROXIES);
    const verdict = this.conversationLimiter.take(client);
    if (!verdict.allowed) {
      res.header('Retry-After', String(verdict.retryAfterSeconds));
      sendError(res, 429, 'TooManyRequests', `too many new conversations from this address; try again in ${verdict.retryAfterSeconds} s`);
      return undefined;
    }
    const id = randomId();
    const userId = `dl_${randomId()}`;
    this.deps.store.createConversation(id, userId, locale, this.deps.now());
    this.deps.logger.info({ conversationId: id }, 'web chat conversation created');
    return { id, userId };
  }

  /** The first start tells the bot the seller joined (conversationUpdate), which brings the welcome. */
  private ensureStarted(conversation: ConversationRow, locale: string | undefined): boolean {
    if (!this.deps.store.markStarted(conversation.id, locale, this.deps.now())) return false;
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
    }, conversation.serviceUrl);
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
  private authorize(
    req: Request,
    res: Response,
    pathConversationId?: string,
    beforeRefusal?: () => void,
  ): { claims: TokenClaims; conversation: ConversationRow } | undefined {
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
    const conversation = this.deps.store.getConversation(check.claims.conversationId);
    if (!conversation || conversation.endedAt) return refuse(404, 'NotFound', 'the conversation is unknown or has ended');
    this.stillHere(conversation.id);
    return { claims: check.claims, conversation };
  }

  // --- activities ---

  private postActivity(req: Request, res: Response): void {
    const access = this.authorize(req, res, String(req.params.conversationId));
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
    if (!this.allowActivity(res, access.conversation.id)) return;
    const activity = this.buildUserActivity(input, access.claims, access.conversation);
    this.deliver(req, res, access.conversation, activity);
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
      void this.deps.channel.runTurn({ ...activity, id: randomId(), timestamp: this.deps.now().toISOString(), conversation: { id: conversation.id } }, conversation.serviceUrl);
    }, this.deps.config.WEBCHAT_LEAVE_SECONDS * 1000);
    timer.unref();
    this.leaving.set(conversation.id, timer);
  }

  private allowActivity(res: Response, conversationId: string, beforeRefusal?: () => void): boolean {
    const verdict = this.activityLimiter.take(conversationId);
    if (verdict.allowed) return true;
    beforeRefusal?.();
    res.header('Retry-After', String(verdict.retryAfterSeconds));
    sendError(res, 429, 'TooManyRequests', 'too many messages; wait a moment');
    return false;
  }

  /** The activity as the channel vouches for it: ids, sender and addresses come from the token, not the page. */
  private buildUserActivity(input: ClientActivity, claims: TokenClaims, conversation: ConversationRow): Record<string, unknown> {
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
  private deliver(req: Request, res: Response, conversation: ConversationRow, activity: Record<string, unknown>): void {
    const stored = this.deps.feed.append(conversation.id, activity);
    if (!stored) return sendError(res, 404, 'NotFound', 'the conversation is unknown or has ended');
    res.status(200);
    res.json({ id: stored.activity.id });
    const client = clientAddress(req, this.deps.config.TRUSTED_PROXIES);
    void this.deps.channel.runTurn({ ...stored.activity, conversation: { id: conversation.id } }, conversation.serviceUrl, client);
  }

  /** Long polls open per conversation (WEBCHAT_POLLS_PER_TOKEN). */
  private readonly polls = new Map<string, number>();

  private async getActivities(req: Request, res: Response): Promise<void> {
    const access = this.authorize(req, res, String(req.params.conversationId));
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

  // --- uploads ---

  private async upload(req: Request, res: Response): Promise<void> {
    // Token, then rate limit, then the body: a refused upload is answered before any of its (up to
    // 10 MB) body is read, and every attempt counts against the conversation's limit, whatever its fate.
    const unread = () => this.leaveBodyUnread(req, res);
    const access = this.authorize(req, res, String(req.params.conversationId), unread);
    if (!access) return;
    if (!this.allowActivity(res, access.conversation.id, unread)) return;
    const boundary = boundaryOf(req.header('content-type'));
    if (!boundary) {
      unread();
      return sendError(res, 415, 'UnsupportedMediaType', 'expected multipart/form-data');
    }
    let body: Buffer;
    try {
      body = await readBody(req, UPLOAD_LIMITS.maxRequestBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        if (error.abandoned) {
          res.header('Connection', 'close');
          res.once('finish', () => req.socket.destroy());
        }
        return sendError(res, 413, 'PayloadTooLarge', `files may be at most ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024} MB each`);
      }
      throw error;
    }
    let parts;
    try {
      parts = parseMultipart(body, boundary);
    } catch (error) {
      if (error instanceof MultipartError) return sendError(res, 400, 'BadRequest', error.message);
      throw error;
    }
    const activityPart = parts.find((p) => p.name === 'activity');
    const files = parts.filter((p) => p !== activityPart && (p.name === 'file' || p.fileName !== undefined));
    if (files.length === 0) return sendError(res, 400, 'BadRequest', 'no file in the upload');
    if (files.length > UPLOAD_LIMITS.maxFiles) return sendError(res, 413, 'PayloadTooLarge', `at most ${UPLOAD_LIMITS.maxFiles} files at once`);
    let input: ClientActivity = { type: 'message' };
    if (activityPart) {
      if (activityPart.data.length > UPLOAD_LIMITS.maxActivityBytes) return sendError(res, 413, 'PayloadTooLarge', 'the activity part is too large');
      let json: unknown;
      try {
        json = JSON.parse(activityPart.data.toString('utf8'));
      } catch {
        return sendError(res, 400, 'BadRequest', 'the activity part is not JSON');
      }
      const parsed = clientActivity.safeParse(json);
      if (!parsed.success || parsed.data.type !== 'message') return sendError(res, 400, 'BadRequest', 'the activity part must be a message activity');
      input = parsed.data;
    }
    const checked: { data: Buffer; type: AcceptedType; name: string }[] = [];
    for (const file of files) {
      if (file.data.length > UPLOAD_LIMITS.maxFileBytes) {
        return sendError(res, 413, 'PayloadTooLarge', `"${cleanFileName(file.fileName, 'image/png')}" is larger than ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024} MB`);
      }
      const type = sniffType(file.data);
      if (!type) return sendError(res, 415, 'UnsupportedMediaType', `only ${ACCEPTED_TYPES.join(', ')} files can be sent`);
      checked.push({ data: file.data, type, name: cleanFileName(file.fileName, type) });
    }

    const origin = this.uploadOrigin(req);
    const attachments: Record<string, unknown>[] = [];
    await mkdir(this.deps.uploadsDir, { recursive: true, mode: 0o700 });
    for (const file of checked) {
      const id = randomId();
      const fileName = `${id}.${extensionOf(file.type)}`;
      await writeFile(join(this.deps.uploadsDir, fileName), file.data, { mode: 0o600 });
      this.deps.store.addUpload({
        id,
        conversationId: access.conversation.id,
        name: file.name,
        contentType: file.type,
        size: file.data.length,
        file: fileName,
        createdAt: this.deps.now().toISOString(),
      });
      const contentUrl = `${origin}/webchat/uploads/${id}`;
      // Web Chat shows the seller's own picture from thumbnailUrl only: point it at the stored file.
      attachments.push({ contentType: file.type, contentUrl, name: file.name, ...(file.type.startsWith('image/') ? { thumbnailUrl: contentUrl } : {}) });
    }
    const activity = this.buildUserActivity(input, access.claims, access.conversation);
    activity.attachments = attachments;
    this.deps.logger.info({ conversationId: access.conversation.id, files: attachments.length }, 'web chat upload');
    this.deliver(req, res, access.conversation, activity);
  }

  /**
   * For an upload refused before its body is read. A body declared small (Content-Length) is left to
   * Node, which discards it and keeps the connection; any other is never read: `Connection: close`, and
   * the socket is closed once the answer is out.
   */
  private leaveBodyUnread(req: Request, res: Response): void {
    const declared = Number(req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared >= 0 && declared <= DIRECT_LINE_LIMITS.bodyBytes) return;
    res.header('Connection', 'close');
    res.once('finish', () => req.socket.destroy());
  }

  /**
   * Where upload links start (the seller's page and the agent open them). Never the uploader's Host
   * header as such: anyone can write any host there. It is kept only when it names this server as the
   * connection reached it (`localhost` or the socket's own local address, with its port), so a page
   * opened at http://localhost:3978/ gets links its CSP ('self') lets it load; otherwise the channel's
   * own serviceUrl. Behind a reverse proxy neither is an address the seller's browser or the agent can
   * open: PUBLIC_BASE_URL, when set, is.
   */
  private uploadOrigin(req: Request): string {
    if (this.deps.config.PUBLIC_BASE_URL) return this.deps.config.PUBLIC_BASE_URL;
    const own = this.deps.channel.serviceUrl().replace(/\/$/, '');
    const port = req.socket.localPort;
    const local = normalizeAddress(req.socket.localAddress ?? '');
    if (!port || !isIP(local)) return own;
    const host = String(req.header('host') ?? '').toLowerCase();
    const names = [`localhost:${port}`, `${isIP(local) === 6 ? `[${local}]` : local}:${port}`];
    if (!names.includes(host)) return own;
    return `${req.isSecure() ? 'https' : 'http'}://${host}`;
  }

  private async serveUpload(req: Request, res: Response): Promise<void> {
    const id = String(req.params.uploadId ?? '');
    const upload = UPLOAD_ID.test(id) ? this.deps.store.getUpload(id) : undefined;
    if (!upload) return sendError(res, 404, 'NotFound', 'no such file');
    let data: Buffer;
    try {
      data = await readFile(join(this.deps.uploadsDir, upload.file));
    } catch {
      return sendError(res, 404, 'NotFound', 'the file is gone');
    }
    const image = upload.contentType.startsWith('image/');
    res.writeHead(200, {
      'Content-Type': upload.contentType,
      'Content-Length': String(data.length),
      'Content-Disposition': `${image ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(upload.name)}`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
      'Cache-Control': 'private, max-age=86400, immutable',
    });
    res.end(data);
  }
}
