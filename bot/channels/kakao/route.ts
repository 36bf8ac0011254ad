// POST /api/kakao/skill: the secret header before the body is read, then the body (JSON, tolerant schema),
// the bot id, the conversation's rate budget, and the channel's answer. Kakao shows only 200 answers, so
// once a call is authentic every outcome is a chat reply, never a 5xx.
import type { Request, RequestHandler, Response, Server } from 'restify';
import { clientAddress } from '../../clientAddress';
import type { Config } from '../../config';
import type { RateLimits } from '../../coordination';
import { isPlainObject, jsonBody, sendError, sendTooManyRequests } from '../../http';
import type { Logger } from '../../logger';
import { SkillAuth } from './auth';
import type { KakaoSettings } from './config';
import { type SkillCall, parseSkillRequest } from './request';
import type { SkillResponse } from './response';

export const SKILL_PATH = '/api/kakao/skill';

export interface SkillRouteDeps {
  config: Config;
  settings: KakaoSettings;
  logger: Logger;
  rateLimits: RateLimits;
  /** The channel's answer to an authentic, well-formed call; never throws for the seller's input. */
  answer(call: SkillCall): Promise<SkillResponse>;
  /** A polite answer when the conversation is over its rate budget, or when answering failed. */
  fallback(call: SkillCall, why: 'rate_limited' | 'failed'): Promise<SkillResponse>;
}

export function registerSkillRoute(server: Server, deps: SkillRouteDeps): void {
  const { config, settings, logger } = deps;
  const auth = new SkillAuth(settings);
  // Failed secrets per client address (as for agent sign-ins); a conversation's budget as for /api/messages.
  const failures = deps.rateLimits.limit('kakao-secret-failures-per-address', { limit: config.SIGNIN_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 });
  const perConversation = deps.rateLimits.limit('kakao-calls-per-conversation', { limit: config.RATE_LIMIT_PER_MINUTE, windowMs: 60_000 });

  /** Whether the call carries the secret (answered here when not), before its body is read. */
  const hasSecret = async (req: Request, res: Response): Promise<boolean> => {
    const address = clientAddress(req, config.TRUSTED_PROXIES);
    const blocked = await failures.check(address);
    if (!blocked.allowed) {
      sendTooManyRequests(res, blocked.retryAfterSeconds, `too many failed skill calls from this address; try again in ${blocked.retryAfterSeconds} s`);
      return false;
    }
    const verdict = auth.checkSecret(req.headers);
    if (!verdict.ok) {
      await failures.take(address);
      logger.warn({ ip: address }, 'kakao: skill call refused (secret header)');
      sendError(res, verdict.status, verdict.code, verdict.message);
      return false;
    }
    return true;
  };
  const requireSecret: RequestHandler = (req, res, next) => {
    hasSecret(req, res).then((ok) => next(ok ? undefined : false), next);
  };

  server.post(SKILL_PATH, requireSecret, ...jsonBody(config.BODY_LIMIT_BYTES), async (req, res) => {
    if (!isPlainObject(req.body)) {
      sendError(res, 400, 'BadRequest', 'expected a JSON skill request object');
      return;
    }
    const parsed = parseSkillRequest(req.body);
    if (!parsed.ok) {
      sendError(res, 400, 'BadRequest', `invalid skill request: ${parsed.message}`);
      return;
    }
    const call = parsed.call;
    const bot = auth.checkBot(call.botId);
    if (!bot.ok) {
      logger.warn({ botId: call.botId?.slice(0, 100) }, 'kakao: skill call for another bot');
      sendError(res, bot.status, bot.code, bot.message);
      return;
    }
    if (!(await perConversation.take(call.userKey)).allowed) {
      res.json(await deps.fallback(call, 'rate_limited'));
      return;
    }
    let response: SkillResponse;
    try {
      response = await deps.answer(call);
    } catch (error) {
      logger.error({ conversationId: `kakao:${call.userKey}`, err: (error as Error).message }, 'kakao: skill call failed');
      response = await deps.fallback(call, 'failed');
    }
    res.json(response);
  });
}
