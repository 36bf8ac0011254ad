// Direct Line uploads: POST /v3/directline/conversations/:id/upload (multipart: an activity + files)
// and GET /webchat/uploads/:id (an uploaded file). Token, rate limit and delivery as for any activity
// (directLine.ts); the file checks and multipart parsing are in uploads.ts.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Request, Response, Server } from 'restify';
import { normalizeAddress } from '../clientAddress';
import { sendError } from '../http';
import { type ClientActivity, DIRECT_LINE_LIMITS, type DirectLineApi, type DirectLineDeps, clientActivity } from './directLine';
import { randomId } from './tokens';
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

const UPLOAD_ID = /^[A-Za-z0-9_-]{22}$/;

/** This server's own origin as its socket is bound (0.0.0.0 and :: read as 127.0.0.1). */
function ownOrigin(server: Server): string {
  const address = server.address() as AddressInfo | null | string;
  if (!address || typeof address === 'string') return 'http://127.0.0.1';
  const host =
    address.address === '::' || address.address === '0.0.0.0' || address.address === ''
      ? '127.0.0.1'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address;
  return `http://${host}:${address.port}`;
}

export class UploadRoutes {
  constructor(
    private readonly deps: DirectLineDeps,
    private readonly api: DirectLineApi,
  ) {}

  async upload(req: Request, res: Response): Promise<void> {
    // Token, then rate limit, then the body: a refused upload is answered before any of its (up to
    // 10 MB) body is read, and every attempt counts against the conversation's limit, whatever its fate.
    const unread = () => this.leaveBodyUnread(req, res);
    const access = await this.api.authorize(req, res, String(req.params.conversationId), unread);
    if (!access) return;
    if (!(await this.api.allowActivity(res, access.conversation.id, unread))) return;
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
      await this.deps.store.addUpload({
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
    const activity = this.api.buildUserActivity(input, access.claims, access.conversation);
    activity.attachments = attachments;
    this.deps.logger.info({ conversationId: access.conversation.id, files: attachments.length }, 'web chat upload');
    await this.api.deliver(req, res, access.conversation, activity);
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
   * own address. Behind a reverse proxy neither is an address the seller's browser or the agent can
   * open: PUBLIC_BASE_URL, when set, is.
   */
  private uploadOrigin(req: Request): string {
    if (this.deps.config.PUBLIC_BASE_URL) return this.deps.config.PUBLIC_BASE_URL;
    const own = ownOrigin(this.deps.server);
    const port = req.socket.localPort;
    const local = normalizeAddress(req.socket.localAddress ?? '');
    if (!port || !isIP(local)) return own;
    const host = String(req.header('host') ?? '').toLowerCase();
    const names = [`localhost:${port}`, `${isIP(local) === 6 ? `[${local}]` : local}:${port}`];
    if (!names.includes(host)) return own;
    return `${req.isSecure() ? 'https' : 'http'}://${host}`;
  }

  async serve(req: Request, res: Response): Promise<void> {
    const id = String(req.params.uploadId ?? '');
    const upload = UPLOAD_ID.test(id) ? await this.deps.store.getUpload(id) : undefined;
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
