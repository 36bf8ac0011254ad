// HTTP load: conversations of three turns posted to /api/messages with deliveryMode expectReplies,
// every conversation with its own id, Korean and English texts.
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import type { IntentClassifier } from '../intents/classifier';
import { type LabelledText, heldOut, training } from './corpus';
import { type Summary, summarize } from './stats';

export const TURNS_PER_CONVERSATION = 3;
/** Intents whose answers keep the seller with the bot (no handoff, no cancel): the bot's own work. */
const BOT_INTENTS = new Set(['delete_product', 'delete_problem', 'restore_product', 'customer_notice', 'prepare_info', 'contact_channels', 'wait_time', 'hours', 'greeting', 'thanks']);

export interface TextPool {
  ko: string[];
  en: string[];
}

/** Questions the classifier confidently sends to one of the bot's own topics, by language. */
export function textPool(classifier: IntentClassifier): TextPool {
  const pool: TextPool = { ko: [], en: [] };
  const seen = new Set<string>();
  const candidates: LabelledText[] = [...heldOut(), ...training()];
  for (const { text, lang } of candidates) {
    if (seen.has(text)) continue;
    seen.add(text);
    const { intent, score } = classifier.classify(text);
    if (BOT_INTENTS.has(intent) && score >= 0.6) pool[lang].push(text);
  }
  return pool;
}

/** Two Korean conversations for every English one: the bot is Korean-first. */
export function conversationText(pool: TextPool, conversation: number, turn: number): { text: string; locale: string } {
  const english = conversation % 3 === 2;
  const list = english ? pool.en : pool.ko;
  const text = list[(conversation * 31 + turn * 17) % list.length];
  return { text, locale: english ? 'en-US' : 'ko-KR' };
}

export function activityBody(conversationId: string, turn: number, text: string, locale: string): string {
  return JSON.stringify({
    type: 'message',
    id: `${conversationId}-t${turn}`,
    channelId: 'bench',
    deliveryMode: 'expectReplies',
    conversation: { id: conversationId },
    from: { id: `seller-${conversationId}`, name: 'Seller', role: 'user' },
    recipient: { id: 'bot', name: 'Bot', role: 'bot' },
    text,
    locale,
    timestamp: new Date().toISOString(),
  });
}

export interface RoundResult {
  server: string;
  round: number;
  seconds: number;
  requests: number;
  conversationsStarted: number;
  /** Conversations whose three turns were all answered with 200 within the round. */
  conversationsCompleted: number;
  requestsPerSecond: number;
  latencyMs: Summary;
  non200: number;
  errors: number;
  timeouts: number;
  /** Sampled responses (1 in 10) that carried no reply activity. */
  emptyReplies: number;
  /** CPU time the server process used per answered request during the round (set by the caller, who knows the process). */
  serverCpuMsPerTurn?: number;
}

export interface RoundOptions {
  server: string;
  url: string;
  round: number;
  seconds: number;
  connections: number;
  pool: TextPool;
  /** Keeps conversation ids distinct across rounds and processes. */
  idPrefix: string;
}

/**
 * One fixed-concurrency round with autocannon: each connection runs whole conversations (turns in
 * order, one request at a time), and every conversation gets a new id.
 */
export async function runRound(options: RoundOptions): Promise<{ result: RoundResult; latencies: number[] }> {
  let conversations = 0;
  let completed = 0;
  let non200 = 0;
  let sampled = 0;
  let emptyReplies = 0;
  const latencies: number[] = [];
  const requests: autocannon.Request[] = [];
  for (let turn = 0; turn < TURNS_PER_CONVERSATION; turn++) {
    requests.push({
      method: 'POST',
      path: '/api/messages',
      setupRequest: (req, context) => {
        if (turn === 0) context.conversation = conversations++;
        const n = context.conversation as number;
        const { text, locale } = conversationText(options.pool, n, turn);
        return { ...req, body: activityBody(`${options.idPrefix}-${n}`, turn, text, locale) };
      },
      onResponse: (status, body) => {
        if (status === 200 && turn === TURNS_PER_CONVERSATION - 1) completed++;
        if (status !== 200) non200++;
        else if (latencies.length % 10 === 0) {
          sampled++;
          try {
            const parsed = JSON.parse(body) as { activities?: { type: string }[] };
            if (!parsed.activities?.some((a) => a.type === 'message')) emptyReplies++;
          } catch {
            emptyReplies++;
          }
        }
      },
    });
  }
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    timeout: 30,
    headers: { 'content-type': 'application/json' },
    requests,
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  return {
    latencies,
    result: {
      server: options.server,
      round: options.round,
      seconds,
      requests: latencies.length,
      conversationsStarted: conversations,
      conversationsCompleted: completed,
      requestsPerSecond: latencies.length / seconds,
      latencyMs: summarize(latencies),
      non200,
      errors: result.errors,
      timeouts: result.timeouts,
      emptyReplies: sampled ? emptyReplies : 0,
    },
  };
}

export interface DriveResult {
  conversations: number;
  turns: number;
  seconds: number;
  turnsPerSecond: number;
  failures: number;
}

/**
 * Exactly `conversations` conversations of three turns each, `concurrency` at a time, turns of one
 * conversation in order (plain node:http with keep-alive, for an exact count).
 */
export async function driveConversations(url: string, conversations: number, concurrency: number, pool: TextPool, idPrefix: string): Promise<DriveResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL('/api/messages', url);
  let next = 0;
  let failures = 0;
  const post = (body: string) =>
    new Promise<number>((resolve) => {
      const req = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const n = next++;
      if (n >= conversations) return;
      for (let turn = 0; turn < TURNS_PER_CONVERSATION; turn++) {
        const { text, locale } = conversationText(pool, n, turn);
        if ((await post(activityBody(`${idPrefix}-${n}`, turn, text, locale))) !== 200) failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  const turns = conversations * TURNS_PER_CONVERSATION;
  return { conversations, turns, seconds, turnsPerSecond: turns / seconds, failures };
}
