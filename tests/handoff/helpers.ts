// Shared by the handoff tests: a seller talking through the local channel server, agents calling the API,
// and an SSE reader for GET /api/agent/events.
import { loadKnowledge } from '../../knowledge';
import { ChannelServer } from '../support/channelServer';
import { type RunningBot, message, post } from '../support/botServer';
import { type HttpResult, http } from '../support/http';

const knowledge = loadKnowledge();

/** A Korean answer from the knowledge base, as the seller sees it. */
export const ko = (key: Parameters<typeof knowledge.text>[0], values?: Record<string, string | number>) => knowledge.text(key, 'ko', values);

export const MINJI = { name: '민지', token: 'minji-token-0123456789-abc' };
export const JUNHO = { name: '준호', token: 'junho-token-0123456789-abc' };
export const AGENT_TOKENS = `${MINJI.name}:${MINJI.token},${JUNHO.name}:${JUNHO.token}`;

/** A seller whose replies go to the channel server (serviceUrl), as on a real channel. */
export class Seller {
  constructor(
    private readonly bot: { url: string },
    readonly channel: ChannelServer,
    readonly conversationId: string,
  ) {}

  /** Posts a message and returns the texts the bot sent during that turn. */
  async say(text: string, extra: Record<string, unknown> = {}): Promise<string[]> {
    const before = this.channel.messages(this.conversationId).length;
    const res = await post(this.bot.url, '/api/messages', message(this.conversationId, text, { serviceUrl: this.channel.url, ...extra }));
    if (res.status !== 200 && res.status !== 202) throw new Error(`POST /api/messages → ${res.status} ${JSON.stringify(res.body)}`);
    return this.channel.texts(this.conversationId).slice(before);
  }

  texts(): string[] {
    return this.channel.texts(this.conversationId);
  }

  /** Waits for `count` more messages than the seller has now; returns the new texts. */
  async next(count = 1, timeoutMs = 10000): Promise<string[]> {
    const before = this.channel.messages(this.conversationId).length;
    await this.channel.waitForMessages(this.conversationId, before + count, timeoutMs);
    return this.channel.texts(this.conversationId).slice(before);
  }
}

export async function api(
  bot: { url: string },
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, options.headers);
  return http(`${bot.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
}

export const conversationPath = (id: string, action: string) => `/api/agent/conversations/${encodeURIComponent(id)}/${action}`;

export function accept(bot: { url: string }, agent: { token: string }, id: string) {
  return api(bot, 'POST', conversationPath(id, 'accept'), { token: agent.token });
}

export function sendAsAgent(bot: { url: string }, agent: { token: string }, id: string, text: string) {
  return api(bot, 'POST', conversationPath(id, 'messages'), { token: agent.token, body: { text } });
}

export function closeAsAgent(bot: { url: string }, agent: { token: string }, id: string) {
  return api(bot, 'POST', conversationPath(id, 'close'), { token: agent.token });
}

export async function queue(bot: { url: string }, agent: { token: string } = MINJI) {
  const res = await api(bot, 'GET', '/api/agent/queue', { token: agent.token });
  if (res.status !== 200) throw new Error(`GET /api/agent/queue → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { waiting: any[]; active: any[]; missed: any[]; tickets: any[] };
}

/** The queue without the ever-changing waitingSeconds, to compare two snapshots. */
export function withoutClock(q: Awaited<ReturnType<typeof queue>>) {
  return { ...q, waiting: q.waiting.map(({ waitingSeconds: _, ...rest }: { waitingSeconds: number }) => rest) };
}

export interface SseEvent {
  event: string;
  data: any;
}

/** Reads GET /api/agent/events; `next(name)` resolves with the next event of that name (or matching a predicate). */
export class EventStream {
  readonly events: SseEvent[] = [];
  private readonly controller = new AbortController();
  private waiters: { match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void; from: number }[] = [];
  private done?: Promise<void>;

  static async open(bot: { url: string }, headers: Record<string, string>): Promise<EventStream> {
    const stream = new EventStream();
    const res = await fetch(`${bot.url}/api/agent/events`, { headers, signal: stream.controller.signal });
    if (res.status !== 200 || !res.body) throw new Error(`GET /api/agent/events → ${res.status}`);
    stream.done = stream.read(res.body);
    await stream.next((e) => e.event === 'queue');
    return stream;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (!data.length) continue;
          const parsed = { event, data: JSON.parse(data.join('\n')) };
          this.events.push(parsed);
          this.waiters = this.waiters.filter((w) => {
            if (!w.match(parsed)) return true;
            w.resolve(parsed);
            return false;
          });
        }
      }
    } catch {
      // aborted or the server went away
    }
  }

  next(match: string | ((e: SseEvent) => boolean), timeoutMs = 10000): Promise<SseEvent> {
    const test = typeof match === 'string' ? (e: SseEvent) => e.event === match : match;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; got ${this.events.map((e) => e.event).join(', ')}`)), timeoutMs);
      this.waiters.push({ match: test, resolve: (e) => (clearTimeout(timer), resolve(e)), from: this.events.length });
    });
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

export async function withChannel<T>(work: (channel: ChannelServer) => Promise<T>): Promise<T> {
  const channel = new ChannelServer();
  await channel.start();
  try {
    return await work(channel);
  } finally {
    await channel.stop();
  }
}

export type { RunningBot };

export { type BotProcess as SpawnedBot, spawnBot } from '../support/botProcess';
