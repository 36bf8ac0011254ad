// Files the bot serves as they are (the web chat's scripts, the agent console): read once and kept, since
// they do not change while the process runs, with an ETag, and gzipped when the client takes it.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Request, Response } from 'restify';
import { sendError } from './http';

const gzip = promisify(gzipCallback);

/** Where a file is on disk, by the name it is served as (its extension gives the content type). */
export type StaticFileList = Record<string, () => string>;

interface Loaded {
  body: Buffer;
  gzip: Buffer | undefined;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** Shared by every app in the process, by path on disk; a failed read is tried again next time. */
const cache = new Map<string, Promise<Loaded>>();

function load(path: string): Promise<Loaded> {
  let loading = cache.get(path);
  if (!loading) {
    loading = (async () => {
      const body = await readFile(path);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      // Web Chat is 3.9 MB; gzipped once (off the event loop) it is about a quarter of that.
      return { body, etag, gzip: body.length > 1024 ? await gzip(body, { level: 6 }) : undefined };
    })();
    loading.catch(() => cache.delete(path));
    cache.set(path, loading);
  }
  return loading;
}

/** The .js, .css and .html files directly in `dir`, by file name (nothing else there can be asked for). */
export function filesIn(dir: string): StaticFileList {
  const files: StaticFileList = {};
  for (const name of readdirSync(dir)) if (TYPES[extname(name)]) files[name] = () => join(dir, name);
  return files;
}

export class StaticFiles {
  constructor(
    private readonly files: StaticFileList,
    /** Added to every answer (caching, CSP, ...). */
    private readonly headers: Record<string, string>,
  ) {}

  has(name: string): boolean {
    return Object.hasOwn(this.files, name);
  }

  async send(name: string, req: Request, res: Response): Promise<void> {
    const type = TYPES[extname(name)];
    let file: Loaded;
    try {
      if (!this.has(name) || !type) throw new Error('unknown');
      file = await load(this.files[name]!());
    } catch {
      return sendError(res, 404, 'NotFound', 'no such file');
    }
    const headers: Record<string, string> = {
      'Content-Type': type,
      ETag: file.etag,
      'X-Content-Type-Options': 'nosniff',
      Vary: 'Accept-Encoding',
      ...this.headers,
    };
    if (req.header('if-none-match') === file.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const gzipped = file.gzip && /\bgzip\b/.test(req.header('accept-encoding') ?? '');
    const body = gzipped ? file.gzip! : file.body;
    if (gzipped) headers['Content-Encoding'] = 'gzip';
    headers['Content-Length'] = String(body.length);
    res.writeHead(200, headers);
    res.end(body);
  }
}
