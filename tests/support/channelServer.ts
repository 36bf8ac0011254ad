// A local stand-in for a Bot Framework channel: it is the `serviceUrl` the bot posts replies to, and
// records every activity it receives per conversation. It can also play a channel that is down or slow.
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedActivity {
  type: string;
  text?: string;
  from?: { id: string; name?: string };
  conversation?: { id: string };
  replyToId?: string;
  suggestedActions?: { actions: { title: string; value: unknown }[] };
  attachments?: unknown[];
  name?: string;
  value?: unknown;
  [key: string]: unknown;
}

export class ChannelServer {
  readonly received = new Map<string, ReceivedActivity[]>();
  /** 'up' answers 200, 'down' answers 503, 'slow' answers after slowMs. */
  mode: 'up' | 'down' | 'slow' = 'up';
  slowMs = 5000;
  private server?: Server;
  private waiters: { conversationId: string; count: number; resolve: () => void }[] = [];
  private counter = 0;

  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  messages(conversationId: string): ReceivedActivity[] {
    return (this.received.get(conversationId) ?? []).filter((a) => a.type === 'message');
  }

  texts(conversationId: string): string[] {
    return this.messages(conversationId).map((a) => a.text ?? '');
  }

  /** Resolves once the conversation has received at least `count` message activities. */
  waitForMessages(conversationId: string, count: number, timeoutMs = 10000): Promise<ReceivedActivity[]> {
    return new Promise((resolve, reject) => {
      const done = () => resolve(this.messages(conversationId));
      if (this.messages(conversationId).length >= count) return done();
      const timer = setTimeout(
        () => reject(new Error(`conversation ${conversationId}: ${this.messages(conversationId).length} of ${count} messages after ${timeoutMs} ms: ${JSON.stringify(this.texts(conversationId))}`)),
        timeoutMs,
      );
      this.waiters.push({ conversationId, count, resolve: () => (clearTimeout(timer), done()) });
    });
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.mode === 'down') {
      res.writeHead(503);
      res.end();
      return;
    }
    if (this.mode === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
    const match = /\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    const conversationId = decodeURIComponent(match[1]);
    const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedActivity;
    const list = this.received.get(conversationId) ?? [];
    list.push(activity);
    this.received.set(conversationId, list);
    // restify (loaded in the same process by the bot) replaces writeHead with one that returns nothing: no chaining.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: `reply-${++this.counter}` }));
    this.waiters = this.waiters.filter((w) => {
      if (w.conversationId === conversationId && this.messages(conversationId).length >= w.count) {
        w.resolve();
        return false;
      }
      return true;
    });
  }
}
