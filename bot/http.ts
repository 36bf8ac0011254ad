// Small helpers every HTTP route shares: JSON errors and JSON body parsing with a size limit.
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
    return next();
  };
  const readers: RequestHandler[] = ([] as RequestHandler[]).concat(
    restify.plugins.bodyReader({ maxBodySize: maxBytes }),
    restify.plugins.jsonBodyParser(),
  );
  return [requireJson, ...readers];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
