// A minimal Direct Line 3.0 client over real HTTP, for the web chat tests: what botframework-directlinejs
// does, step by step, with the activities it has seen and its watermark.
import { request } from 'node:http';
import { type HttpResult, http } from '../support/http';

export interface DirectLineActivity {
  type: string;
  id?: string;
  text?: string;
  from?: { id: string; name?: string; role?: string };
  replyToId?: string;
  attachments?: { contentType: string; contentUrl?: string; thumbnailUrl?: string; name?: string; content?: unknown }[];
  suggestedActions?: { actions: { title: string; value: unknown }[] };
  channelData?: Record<string, unknown>;
  [key: string]: unknown;
}

export class DirectLineClient {
  readonly activities: DirectLineActivity[] = [];
  watermark = '';
  private counter = 0;

  constructor(
    readonly botUrl: string,
    public token: string,
    readonly conversationId: string,
  ) {}

  /** Generates a token and starts its conversation, as the page does. */
  static async start(botUrl: string, locale = 'ko-KR'): Promise<DirectLineClient> {
    const generated = await http(`${botUrl}/v3/directline/tokens/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ locale }),
    });
    if (generated.status !== 200) throw new Error(`generate → ${generated.status} ${JSON.stringify(generated.body)}`);
    const client = new DirectLineClient(botUrl, generated.body.token, generated.body.conversationId);
    const started = await client.call('POST', '/v3/directline/conversations', { user: {}, locale });
    if (started.status !== 201) throw new Error(`start → ${started.status} ${JSON.stringify(started.body)}`);
    client.token = started.body.token;
    return client;
  }

  get userId(): string {
    return JSON.parse(Buffer.from(this.token.split('.')[1]!, 'base64url').toString('utf8')).user;
  }

  call(method: string, path: string, body?: unknown, token = this.token): Promise<HttpResult> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return http(`${this.botUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  path(suffix = ''): string {
    return `/v3/directline/conversations/${this.conversationId}${suffix}`;
  }

  /** Posts a message as Web Chat does (with a clientActivityID); returns the id the server gave it. */
  async say(text: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await this.call('POST', this.path('/activities'), {
      type: 'message',
      text,
      from: { id: 'forged-id', role: 'user' },
      locale: 'ko-KR',
      channelData: { clientActivityID: `client-${++this.counter}` },
      ...extra,
    });
    if (res.status !== 200) throw new Error(`post → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /** One GET activities from the current watermark (long poll up to waitSeconds). */
  async poll(waitSeconds = 5): Promise<DirectLineActivity[]> {
    const res = await this.call('GET', `${this.path('/activities')}?watermark=${this.watermark}&wait=${waitSeconds}`);
    if (res.status !== 200) throw new Error(`poll → ${res.status} ${JSON.stringify(res.body)}`);
    this.watermark = res.body.watermark;
    this.activities.push(...res.body.activities);
    return res.body.activities;
  }

  /** Polls until `predicate` holds for the activities seen so far. */
  async until(predicate: (activities: DirectLineActivity[]) => boolean, timeoutMs = 10000): Promise<DirectLineActivity[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.activities)) {
      if (Date.now() > deadline) throw new Error(`timed out; seen: ${JSON.stringify(this.activities.map((a) => [a.type, a.from?.role, a.text]))}`);
      await this.poll(Math.max(1, Math.min(5, Math.ceil((deadline - Date.now()) / 1000))));
    }
    return this.activities;
  }

  /** Bot messages (role bot) seen so far. */
  botMessages(): DirectLineActivity[] {
    return this.activities.filter((a) => a.type === 'message' && a.from?.role !== 'user');
  }

  /** Polls until nothing more arrives for `quietSeconds`. */
  async settle(quietSeconds = 1): Promise<void> {
    while ((await this.poll(quietSeconds)).length > 0) {
      // keep reading
    }
  }

  /** Waits for the bot's replies to the activity with this id (until the bot goes quiet) and returns them. */
  async repliesTo(id: string, timeoutMs = 10000): Promise<DirectLineActivity[]> {
    await this.until((list) => list.some((a) => a.replyToId === id && a.type === 'message'), timeoutMs);
    await this.settle();
    return this.activities.filter((a) => a.replyToId === id && a.type === 'message');
  }
}

/** A 1×1 PNG, and a big buffer that still starts like a PNG. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

export function pngOfSize(bytes: number): Buffer {
  const big = Buffer.alloc(bytes, 0);
  TINY_PNG.copy(big, 0, 0, 16);
  return big;
}

/** Uploads files the way directlinejs does: an `activity` part and `file` parts. */
export async function upload(
  client: DirectLineClient,
  files: { name: string; type: string; data: Buffer }[],
  activity: Record<string, unknown> = { type: 'message', from: { id: 'x', role: 'user' }, channelData: { clientActivityID: 'upload-1' } },
): Promise<HttpResult> {
  const form = new FormData();
  form.append('activity', new Blob([JSON.stringify(activity)], { type: 'application/vnd.microsoft.activity' }));
  for (const file of files) form.append('file', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
  return http(`${client.botUrl}${client.path('/upload')}?userId=${encodeURIComponent(client.userId)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${client.token}` },
    body: form,
  });
}

/**
 * Uploads TINY_PNG (with a chosen Host header when `host` is given, as a reverse proxy or an attacker
 * would send it) and returns the link the conversation's echo of it carries.
 */
export async function uploadedLink(client: DirectLineClient, host?: string): Promise<string> {
  const form = multipart([{ name: 'a.png', type: 'image/png', data: TINY_PNG }]);
  const res = await rawRequest(`${client.botUrl}${client.path('/upload')}`, {
    headers: { ...(host ? { host } : {}), authorization: `Bearer ${client.token}`, 'content-type': form.contentType },
    body: form.body,
  });
  expect(res.status).toBe(200);
  await client.until((list) => list.some((a) => a.id === res.body.id));
  const attachment = client.activities.find((a) => a.id === res.body.id)!.attachments![0]!;
  expect(attachment.thumbnailUrl).toBe(attachment.contentUrl);
  return attachment.contentUrl!;
}

export interface RawResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  /** Resolves when the connection is closed (by either side). */
  closed: Promise<void>;
}

/**
 * One request over its own connection with node:http, for what fetch cannot do: a chosen Host header,
 * or a body that is declared (Content-Length) but never sent (`body: undefined`).
 */
export function rawRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer }): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'POST', headers: init.headers, agent: false });
    const closed = new Promise<void>((done) => req.once('close', () => done()));
    // After the answer, an error (the server closing on a body never sent) changes nothing: already resolved.
    req.on('error', (error) => reject(error));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, closed });
      });
    });
    if (init.body) req.end(init.body);
    else req.flushHeaders();
  });
}

/** A multipart/form-data body with `file` parts, built by hand (for rawRequest). */
export function multipart(files: { name: string; type: string; data: Buffer }[]): { body: Buffer; contentType: string } {
  const boundary = `----test${Math.random().toString(36).slice(2)}`;
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`));
    parts.push(file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
