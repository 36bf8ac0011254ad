// Runs the bad input corpus (cases.json, data only) against the real server over HTTP: bot/index.ts in
// a child process, as `npm start` runs it, so that a crash shows as a crash. Every case must get a 4xx
// with a JSON message, an acknowledgement, or a polite chat reply; never a 5xx, a crash or a hang; and
// after every case the server must still answer a good message. The runner is generic (method, path,
// headers, body), so cases for other endpoints only need new entries in the file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadKnowledge } from '../../knowledge';
import { ChannelServer } from '../support/channelServer';
import { ask } from '../support/botServer';
import { type BotProcess, spawnBot } from '../support/botProcess';

type Expectation = '4xx' | '2xx' | 'reply' | number;

interface Case {
  name: string;
  method?: string;
  path?: unknown;
  headers?: Record<string, unknown>;
  activity?: Record<string, unknown>;
  body?: unknown;
  base64Body?: string;
  gzip?: boolean;
  chunked?: boolean;
  expect: Expectation | Expectation[];
  json?: boolean;
  replyMatches?: string;
  note?: string;
}

const corpus = JSON.parse(readFileSync(join(__dirname, 'cases.json'), 'utf8')) as { cases: Case[] };
const knowledge = loadKnowledge();
const TURN_FAILED = [knowledge.text('turn_error', 'ko'), knowledge.text('turn_error', 'en')];
const REQUEST_TIMEOUT_MS = 15000;

/** JSON text produced by a generator, spliced into the output as it is (deep nesting cannot go through JSON.stringify). */
class RawJson {
  constructor(readonly text: string) {}
}

interface Placeholders {
  conversationId: string;
  channelUrl: string;
}

function substitute(text: string, p: Placeholders): string {
  return text.replaceAll('{{conversationId}}', p.conversationId).replaceAll('{{channelUrl}}', p.channelUrl);
}

/** Expands the generators ($repeat, $raw, $nest, $keys, $array) and placeholders of a case value. */
function expand(value: unknown, p: Placeholders): unknown {
  if (typeof value === 'string') return substitute(value, p);
  if (Array.isArray(value)) return value.map((v) => expand(v, p));
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if ('$repeat' in v) return (expand(v.$repeat, p) as string).repeat(v.times as number);
  if ('$raw' in v) return (v.$raw as unknown[]).map((part) => expand(part, p) as string).join('');
  if ('$array' in v) return Array.from({ length: v.$array as number }, () => expand(v.value, p));
  if ('$keys' in v) return Object.fromEntries(Array.from({ length: v.$keys as number }, (_, i) => [`k${i}`, expand(v.value, p)]));
  if ('$nest' in v) {
    const depth = v.$nest as number;
    const leaf = serialize(expand(v.leaf, p));
    return v.kind === 'object' ? new RawJson(`${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`) : new RawJson(`${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x, p)]));
}

function serialize(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => serialize(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function goodActivity(conversationId: string): Record<string, unknown> {
  return {
    type: 'message',
    id: `${conversationId}-1`,
    channelId: 'badinput',
    deliveryMode: 'expectReplies',
    conversation: { id: conversationId },
    from: { id: 'seller-badinput', name: 'Seller', role: 'user' },
    recipient: { id: 'bot', name: 'Bot', role: 'bot' },
    text: '안녕하세요',
    locale: 'ko-KR',
    timestamp: new Date().toISOString(),
  };
}

/** Applies overrides to the good activity: dotted keys reach into objects, "$delete" removes. */
function activityWith(overrides: Record<string, unknown>, conversationId: string): Record<string, unknown> {
  const activity = goodActivity(conversationId);
  for (const [path, value] of Object.entries(overrides)) {
    const keys = path.split('.');
    let target = activity as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    if (value === '$delete') delete target[last];
    else target[last] = value;
  }
  return activity;
}

interface Sent {
  status: number;
  contentType: string;
  text: string;
  ms: number;
}

async function send(baseUrl: string, c: Case, p: Placeholders): Promise<Sent> {
  const headers = new Headers();
  const caseHeaders = c.headers ?? { 'content-type': 'application/json' };
  for (const [k, v] of Object.entries(caseHeaders)) if (v !== null) headers.set(k, expand(v, p) as string);
  let body: Uint8Array | undefined;
  if (c.base64Body !== undefined) body = Buffer.from(c.base64Body, 'base64');
  else if (c.activity !== undefined) body = Buffer.from(serialize(activityWith(expand(c.activity, p) as Record<string, unknown>, p.conversationId)), 'utf8');
  else if (c.body !== undefined) {
    const expanded = expand(c.body, p);
    body = Buffer.from(typeof expanded === 'string' ? expanded : serialize(expanded), 'utf8');
  }
  if (body && c.gzip) body = gzipSync(body);
  const path = c.path === undefined ? '/api/messages' : (expand(c.path, p) as string);
  const method = c.method ?? 'POST';
  const started = Date.now();
  // A Uint8Array body leaves the content type to the case: fetch adds none of its own. A stream body
  // goes out chunked, without Content-Length.
  const bytes = method === 'GET' || method === 'HEAD' ? undefined : body;
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  if (bytes && c.chunked) {
    init.body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 65536) controller.enqueue(bytes.subarray(at, at + 65536));
        controller.close();
      },
    });
    init.duplex = 'half';
  } else init.body = bytes;
  const res = await fetch(`${baseUrl}${path}`, init);
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, ms: Date.now() - started };
}

function parse(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Why the response does not satisfy the expectation, or undefined when it does. */
function mismatch(expectation: Expectation, c: Case, res: Sent, channelTexts: string[]): string | undefined {
  const body = parse(res.text);
  if (typeof expectation === 'number') {
    if (res.status !== expectation) return `expected ${expectation}, got ${res.status}`;
    if (expectation >= 400 && c.json !== false && typeof body?.message !== 'string') return `${res.status} without a JSON {message}`;
    return undefined;
  }
  if (expectation === '4xx') {
    if (res.status < 400 || res.status >= 500) return `expected a 4xx, got ${res.status}`;
    if (c.json !== false && typeof body?.message !== 'string') return `${res.status} without a JSON {message}: ${res.text.slice(0, 200)}`;
    return undefined;
  }
  if (expectation === '2xx') return res.status >= 200 && res.status < 300 ? undefined : `expected a 2xx, got ${res.status}`;
  // reply: a polite chat message, in the response (expectReplies) or at the channel (serviceUrl)
  if (res.status !== 200) return `expected a reply (200), got ${res.status}`;
  const texts = [
    ...((body?.activities ?? []) as { type: string; text?: string }[]).filter((a) => a.type === 'message').map((a) => a.text ?? ''),
    ...channelTexts,
  ];
  if (texts.filter((t) => t.trim()).length === 0) return 'expected at least one chat message in reply, got none';
  if (texts.some((t) => TURN_FAILED.includes(t))) return `the turn failed (the bot apologised): ${JSON.stringify(texts)}`;
  if (c.replyMatches && !texts.some((t) => new RegExp(c.replyMatches!).test(t))) return `no reply matches /${c.replyMatches}/: ${JSON.stringify(texts)}`;
  return undefined;
}

let bot: BotProcess;
let channel: ChannelServer;
let dataDir: string;

beforeAll(async () => {
  channel = new ChannelServer();
  await channel.start();
  dataDir = mkdtempSync(join(tmpdir(), 'badinput-'));
  bot = await spawnBot(dataDir);
}, 40000);

afterAll(async () => {
  await bot?.stop();
  await channel?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function expectAlive(): void {
  if (bot.child.exitCode !== null || bot.child.signalCode !== null) {
    throw new Error(`the bot process died (${bot.child.exitCode ?? bot.child.signalCode}):\n${bot.output()}`);
  }
}

test('the corpus has at least 40 cases, each with a unique name and one body', () => {
  expect(corpus.cases.length).toBeGreaterThanOrEqual(40);
  expect(new Set(corpus.cases.map((c) => c.name)).size).toBe(corpus.cases.length);
  for (const c of corpus.cases) {
    expect([c.activity, c.body, c.base64Body].filter((b) => b !== undefined).length).toBeLessThanOrEqual(1);
    expect(c.expect).toBeDefined();
  }
});

describe('bad input: a 4xx with a JSON message or a polite reply, never a 5xx, a crash or a hang', () => {
  test.each(corpus.cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    expectAlive();
    const p = { conversationId: `badinput-${i}`, channelUrl: channel.url };
    let res: Sent;
    try {
      res = await send(bot.url, c, p);
    } catch (error) {
      await new Promise((r) => setTimeout(r, 100)); // a crash takes a moment to be reported
      expectAlive();
      throw error;
    }
    // BADINPUT_REPORT=1 prints what every case got (handy when adding cases).
    if (process.env.BADINPUT_REPORT) process.stdout.write(`${String(res.status).padEnd(4)} ${String(res.ms).padStart(5)} ms  ${c.name}  ${res.text.slice(0, 160).replace(/\s+/g, ' ')}\n`);
    expect(res.status).toBeLessThan(500);
    // Replies posted to the channel (serviceUrl cases) arrive during the turn, before the response.
    const channelTexts = channel.texts(p.conversationId);
    const expectations = Array.isArray(c.expect) ? c.expect : [c.expect];
    const reasons = expectations.map((e) => mismatch(e, c, res, channelTexts));
    if (reasons.every((r) => r !== undefined)) {
      throw new Error(`${c.name}: ${reasons.join(' / ')}\nstatus ${res.status} ${res.contentType}\n${res.text.slice(0, 500)}`);
    }
    // The server is still there and answers a good message right after.
    expectAlive();
    const replies = await ask(bot.url, `after-${i}`, '상품 삭제는 어떻게 하나요?');
    expect(replies.length).toBeGreaterThan(0);
  });

  test('and at the end: the process is alive, healthz and a good turn still answer, nothing was logged as failed', async () => {
    expectAlive();
    expect(bot.output()).not.toMatch(/Unhandled 'error' event|Maximum call stack|"level":"(error|fatal)"/);
    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(200);
    expect((await ask(bot.url, 'badinput-final', 'How do I delete a product?')).length).toBeGreaterThan(0);
  });
});
