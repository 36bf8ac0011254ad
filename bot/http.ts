// Small helpers every HTTP route shares: JSON errors, JSON body parsing with a size limit, a URL's origin.
import restify, { type Request, type RequestHandler, type Response } from 'restify';

/** Every error a client sees is JSON: {"code": "...", "message": "..."}. */
export function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status);
  res.json({ code, message });
}

/** Reads and parses a JSON body of at most maxBytes; anything that is not JSON gets 415. */
export function jsonBody(maxBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req: Request, res: Response, next) => {
    const length = Number(req.header('content-length') ?? 0);
    if (length > 0 && !req.is('json')) {
      sendError(res, 415, 'UnsupportedMediaType', 'expected Content-Type: application/json');
      return next(false);
    }
    // restify's bodyReader gunzips without an 'error' listener (a body that is not gzip crashes the
    // process) and applies the size limit before decompressing (a small gzip body can inflate to
    // gigabytes). Channels do not compress requests, so compressed bodies are refused.
    const encoding = (req.header('content-encoding') ?? '').trim().toLowerCase();
    if (encoding === 'identity') delete req.headers['content-encoding'];
    else if (encoding) {
      sendError(res, 415, 'UnsupportedMediaType', 'compressed request bodies are not accepted (Content-Encoding)');
      return next(false);
    }
    return next();
  };
  const limitDepth: RequestHandler = (req: Request, res: Response, next) => {
    if (jsonDeeperThan(req.body, MAX_JSON_DEPTH)) {
      sendError(res, 400, 'BadRequest', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      return next(false);
    }
    return next();
  };
  // bodyReader: true stops jsonBodyParser from adding a second reader of its own, one without the limit.
  return [requireJson, restify.plugins.bodyReader({ maxBodySize: maxBytes }), ...restify.plugins.jsonBodyParser({ bodyReader: true }), limitDepth];
}

/**
 * Deepest JSON nesting a request body may have. JSON.parse copes with any depth, but JSON.stringify
 * (transcript, state) overflows the stack at a few thousand levels, which lost the transcript line.
 */
export const MAX_JSON_DEPTH = 100;

/** Whether a parsed JSON value nests objects/arrays more than `max` levels deep (iterative: no stack overflow). */
export function jsonDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** 429 with Retry-After and the usual JSON error body. */
export function sendTooManyRequests(res: Response, retryAfterSeconds: number, message: string): void {
  res.header('retry-after', String(retryAfterSeconds));
  res.status(429);
  res.json({ code: 'TooManyRequests', message, retryAfterSeconds });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "http://127.0.0.1:4299" for any URL on that origin; '' when there is none. */
export function originOf(url: unknown): string {
  if (typeof url !== 'string' || !url) return '';
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}
