// POST /api/talktalk/<TALKTALK_WEBHOOK_TOKEN>: TalkTalk signs nothing, so the source address must be one
// of TALKTALK_ALLOWED_IPS (Naver's documented ranges by default; behind TRUSTED_PROXIES, the forwarded
// address) and the path must carry the token. The event is stored, then answered 200 at once (TalkTalk
// reads for 5 s); its turn runs afterwards from the inbox. Echoes and standby messages are answered 200
// and dropped: the bot never answers them.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response, Server } from 'restify';
import { TrustedProxies, clientAddress } from '../../clientAddress';
import type { RateLimit } from '../../coordination';
import { isPlainObject, jsonBody, sendError, sendTooManyRequests } from '../../http';
import type { Logger } from '../../logger';
import { incomingEventSchema } from './contract';
import type { TalkTalkInbox } from './inbox';
import { CHANNEL_ID, conversationIdOf, ignoredBeforeStoring } from './mapping';

/** Undelivered turns one conversation may have stored at once: past it, a flood gets 429. */
const MAX_PENDING_PER_CONVERSATION = 50;

export interface WebhookDeps {
  token: string;
  allowedIps: readonly string[];
  trustedProxies: readonly string[];
  bodyLimitBytes: number;
  /** Events per conversation (RATE_LIMIT_PER_MINUTE a minute; 0 = off). */
  perConversation: RateLimit;
  logger: Logger;
  inbox: TalkTalkInbox;
  pendingCount: (conversationId: string) => Promise<number>;
  /** A partner id seen on an incoming event (echo, standby, handover carry it). */
  onPartner: (partner: string) => void;
}

export const WEBHOOK_PATH = '/api/talktalk/:token';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function registerWebhook(server: Server, deps: WebhookDeps): void {
  const allowed = new TrustedProxies(deps.allowedIps);
  const expected = digest(deps.token);
  const { logger, perConversation } = deps;

  // Before the body is read: a stranger learns nothing from how their JSON is judged.
  const guard: RequestHandler = (req: Request, res: Response, next) => {
    const address = clientAddress(req, deps.trustedProxies);
    if (!allowed.has(address)) {
      logger.warn({ channelId: CHANNEL_ID, ip: address }, 'talktalk webhook: refused a source address not in TALKTALK_ALLOWED_IPS');
      sendError(res, 403, 'Forbidden', 'this address may not post TalkTalk events');
      return next(false);
    }
    const token = String((req.params as { token?: unknown } | undefined)?.token ?? '');
    if (!timingSafeEqual(digest(token), expected)) {
      sendError(res, 404, 'NotFound', 'no such webhook');
      return next(false);
    }
    return next();
  };

  server.post(WEBHOOK_PATH, guard, ...jsonBody(deps.bodyLimitBytes), async (req: Request, res: Response) => {
    if (!isPlainObject(req.body)) {
      sendError(res, 400, 'BadRequest', 'expected a JSON event object');
      return;
    }
    const parsed = incomingEventSchema.safeParse(req.body);
    if (!parsed.success) {
      const detail = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'event'}: ${i.message}`);
      sendError(res, 400, 'BadRequest', `invalid TalkTalk event: ${detail.join('; ')}`);
      return;
    }
    const event = parsed.data;
    if (event.partner) deps.onPartner(event.partner);
    // The bot offers no Naver Pay: a payment it did not ask for is refused (the status decides approval).
    if (event.event === 'pay_complete') {
      sendError(res, 404, 'PaymentNotAccepted', 'this bot takes no payments');
      return;
    }
    const ignored = ignoredBeforeStoring(event);
    if (ignored) {
      logger.debug({ channelId: CHANNEL_ID, reason: ignored }, 'talktalk webhook: not answered');
      res.status(200);
      res.end();
      return;
    }
    if (!event.user) {
      sendError(res, 400, 'BadRequest', 'invalid TalkTalk event: user: required');
      return;
    }
    const conversationId = conversationIdOf(event.user);
    const verdict = await perConversation.take(conversationId);
    if (!verdict.allowed) {
      sendTooManyRequests(res, verdict.retryAfterSeconds, `too many events for this conversation; try again in ${verdict.retryAfterSeconds} s`);
      return;
    }
    try {
      if ((await deps.pendingCount(conversationId)) >= MAX_PENDING_PER_CONVERSATION) {
        sendTooManyRequests(res, 5, 'too many events waiting for this conversation');
        return;
      }
      await deps.inbox.add(conversationId, JSON.stringify(event), Date.now());
    } catch (error) {
      // Not stored: TalkTalk must not hear "taken".
      logger.error({ channelId: CHANNEL_ID, conversationId, err: (error as Error).message }, 'talktalk webhook: event not stored');
      sendError(res, 503, 'Unavailable', 'the event could not be stored; it was not taken');
      return;
    }
    res.status(200);
    res.end();
    deps.inbox.run(conversationId);
  });
}
