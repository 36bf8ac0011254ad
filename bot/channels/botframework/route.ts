// POST /api/messages: validate, check where replies would go, then hand the activity to the adapter,
// one turn at a time per conversation.
import type { Activity, TurnContext } from 'botbuilder';
import type { AuthenticateRequestResult } from 'botframework-connector';
import type { Server } from 'restify';
import { KNOWN_ACTIVITY_TYPES, activitySchema, isAllowedServiceUrl } from './activitySchema';
import type { Config } from '../../config';
import { type RateLimits, type TurnLock, conversationKey } from '../../coordination';
import { clientAddress, setActivityClient } from '../../clientAddress';
import { isPlainObject, jsonBody, sendError, sendTooManyRequests } from '../../http';
import type { Logger } from '../../logger';
import type { BotFrameworkChannelAdapter } from './adapter';

export interface MessagesRouteDeps {
  config: Config;
  logger: Logger;
  adapter: BotFrameworkChannelAdapter;
  turns: TurnLock;
  rateLimits: RateLimits;
  runTurn: (context: TurnContext) => Promise<void>;
  /** Whether another channel (the built-in web chat, say) owns this conversation. */
  ownedElsewhere: (channelId: string, conversationId: string) => Promise<boolean>;
}

/** Channels with their own way in (the built-in web chat in-process, messenger platforms by webhook). */
const RESERVED_CHANNEL_IDS = new Set(['webchat', 'kakao', 'talktalk']);

export function registerMessagesRoute(server: Server, deps: MessagesRouteDeps): void {
  const { config, logger, adapter, turns } = deps;
  // Per conversation (RATE_LIMIT_PER_MINUTE; 0 = off): a runaway client or a loop between bots gets 429.
  const perConversation = deps.rateLimits.limit('messages-per-conversation', { limit: config.RATE_LIMIT_PER_MINUTE, windowMs: 60_000 });
  // restify warns about values returned from async handlers, so every branch ends in a bare return.
  server.post('/api/messages', ...jsonBody(config.BODY_LIMIT_BYTES), async (req, res) => {
    if (!isPlainObject(req.body)) {
      sendError(res, 400, 'BadRequest', 'expected a JSON activity object');
      return;
    }
    const parsed = activitySchema.safeParse(req.body);
    if (!parsed.success) {
      const detail = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'activity'}: ${i.message}`);
      sendError(res, 400, 'BadRequest', `invalid activity: ${detail.join('; ')}`);
      return;
    }
    const activity = parsed.data;
    // Whoever posts here speaks for the seller's side: a "bot" or "agent" role would pass their text off
    // as the bot's in the agents' transcript.
    activity.from = { ...activity.from, role: 'user' };
    if (!KNOWN_ACTIVITY_TYPES.has(activity.type)) {
      res.status(200);
      res.json({});
      return;
    }
    // The bot handles no invoke (card actions, sign-in, messaging extensions). Run as a turn, botbuilder
    // answers 501 (a 5xx the channel retries) and throws on a malformed adaptiveCard/action, which
    // sends the seller an apology: refuse them here.
    if (activity.type === 'invoke') {
      sendError(res, 400, 'UnsupportedInvoke', `this bot does not handle invoke activities${activity.name ? ` (${activity.name.slice(0, 100)})` : ''}`);
      return;
    }
    if (activity.deliveryMode !== 'expectReplies' && !activity.serviceUrl) {
      sendError(res, 400, 'BadRequest', 'serviceUrl is required unless deliveryMode is expectReplies');
      return;
    }
    // In-process and platform channels have their own, authenticated way in: without credentials anyone
    // could post as one of their sellers (and take the conversation over).
    if (config.localMode && RESERVED_CHANNEL_IDS.has(activity.channelId.toLowerCase())) {
      sendError(res, 403, 'Forbidden', `channel "${activity.channelId.slice(0, 40)}" cannot be posted to /api/messages without Bot Framework authentication`);
      return;
    }
    // Unauthenticated, the bot would post to any serviceUrl it is given; with credentials the token's
    // serviceurl claim is checked by botbuilder, but a non-http scheme is never acceptable.
    const allowed = config.localMode ? config.ALLOWED_SERVICE_URLS : ['https://', 'http://'];
    if (activity.serviceUrl && !isAllowedServiceUrl(activity.serviceUrl, allowed)) {
      sendError(res, 403, 'Forbidden', 'serviceUrl is not allowed (see ALLOWED_SERVICE_URLS)');
      return;
    }
    // Authenticated before the rate limit, so that only the channel itself can spend a conversation's budget.
    let authentication: AuthenticateRequestResult;
    try {
      authentication = await adapter.authenticate(req.header('authorization') ?? '', activity as unknown as Activity);
    } catch (error) {
      if (isAuthenticationFailure(error)) {
        sendError(res, 401, 'Unauthorized', (error as Error).message || 'invalid or missing Bot Framework token');
        return;
      }
      logger.error({ conversationId: activity.conversation.id, err: (error as Error).message }, 'authentication failed');
      sendError(res, 500, 'InternalError', 'the activity could not be processed');
      return;
    }
    // Azure's Web Chat (authenticated) shares the channel id of the built-in web chat: a conversation
    // another channel owns never gets a Bot Framework turn.
    if (await deps.ownedElsewhere(activity.channelId, activity.conversation.id)) {
      sendError(res, 403, 'Forbidden', 'this conversation belongs to another channel (the built-in web chat)');
      return;
    }
    if (config.localMode) setActivityClient(activity, clientAddress(req, config.TRUSTED_PROXIES));
    const verdict = await perConversation.take(conversationKey(activity.channelId, activity.conversation.id));
    if (!verdict.allowed) {
      sendTooManyRequests(res, verdict.retryAfterSeconds, `too many activities for this conversation; try again in ${verdict.retryAfterSeconds} s`);
      return;
    }
    try {
      const response = await turns.run(conversationKey(activity.channelId, activity.conversation.id), () =>
        adapter.processAuthenticated(authentication, activity as unknown as Activity, deps.runTurn),
      );
      res.status(response?.status ?? 200);
      if (response?.body === undefined) res.end();
      else res.json(response.body);
    } catch (error) {
      logger.error({ conversationId: activity.conversation.id, err: (error as Error).message }, 'activity failed');
      sendError(res, 500, 'InternalError', 'the activity could not be processed');
    }
  });
}

// botframework-connector reports most bad tokens as AuthenticationError (statusCode 401), but rethrows
// jsonwebtoken's own errors as they are: a bad signature, alg "none" or HS256, a token not valid yet.
// Those are the client's fault too and must not become a 500 (which channels retry).
const JWT_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

function isAuthenticationFailure(error: unknown): boolean {
  const { statusCode, name } = (error ?? {}) as { statusCode?: number; name?: string };
  return statusCode === 401 || name === 'AuthenticationError' || (name !== undefined && JWT_ERRORS.has(name));
}
