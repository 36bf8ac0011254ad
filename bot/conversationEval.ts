// The conversation evaluation: multi-turn seller chats as data, each run through the real server
// (HTTP route, adapter, handoff hub, dialogs, SQLite) with a local channel taking the replies, and
// every turn checked against what a correct turn must show.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { createApp } from './app';
import { loadConfig } from './config';
import { detectLanguage } from '../dialogs/language';
import { createLogger } from './logger';

const handoffExpectation = z.union([z.boolean(), z.strictObject({ topic: z.string().min(1) })]);

const turnSchema = z.strictObject({
  say: z.string().min(1),
  expect: z.strictObject({
    answers: z.array(z.string().regex(/^[a-z_]+(\.[a-z_]+)?$/)).max(3).default([]),
    handoff: handoffExpectation.default(false),
    act: z.enum(['farewell', 'identity', 'nudge', 'clarify', 'apology', 'reprompt']).optional(),
    queue: z.enum(['waiting', 'none']).optional(),
    lang: z.enum(['ko', 'en']).optional(),
  }),
});

export const conversationSetSchema = z.object({
  conversations: z
    .array(z.strictObject({ id: z.string().regex(/^[a-z0-9-]+$/), language: z.enum(['ko', 'en']), turns: z.array(turnSchema).min(1) }))
    .min(1),
});

export type ConversationSet = z.infer<typeof conversationSetSchema>;
type TurnSpec = z.infer<typeof turnSchema>;

export function readConversationSet(file: string): ConversationSet {
  const parsed = conversationSetSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** What one turn actually did, as observed from outside the dialogs. */
export interface ObservedTurn {
  answers: string[];
  act?: string;
  handoff: false | { reason: string; topic?: string };
  queue: 'waiting' | 'none';
  lang?: 'ko' | 'en';
  replies: string[];
}

export interface TurnResult {
  conversation: string;
  turn: number;
  say: string;
  expected: TurnSpec['expect'];
  observed: ObservedTurn;
  ok: boolean;
  problems: string[];
}

export interface ConversationReport {
  conversations: number;
  turns: number;
  correct: number;
  turnAccuracy: number;
  /** Conversations whose every turn was right. */
  conversationAccuracy: number;
  results: TurnResult[];
}

/** An expected "hours" is the overview: it matches an answer without a facet (or the overview facet). */
function answerMatches(expected: string, actual: string): boolean {
  return expected === actual || (!expected.includes('.') && actual === `${expected}.overview`);
}

export function checkTurn(expected: TurnSpec['expect'], observed: ObservedTurn): string[] {
  const problems: string[] = [];
  const answersOk = expected.answers.length === observed.answers.length && expected.answers.every((a, i) => answerMatches(a, observed.answers[i]));
  if (!answersOk) problems.push(`answers ${JSON.stringify(observed.answers)} ≠ ${JSON.stringify(expected.answers)}`);
  const wantHandoff = expected.handoff !== false;
  if (wantHandoff !== Boolean(observed.handoff)) problems.push(wantHandoff ? 'no handoff' : `unwanted handoff (${observed.handoff && observed.handoff.reason})`);
  else if (typeof expected.handoff === 'object' && observed.handoff && observed.handoff.topic !== expected.handoff.topic) {
    problems.push(`handoff topic ${observed.handoff.topic ?? '(none)'} ≠ ${expected.handoff.topic}`);
  }
  if (expected.act && observed.act !== expected.act) problems.push(`act ${observed.act ?? '(none)'} ≠ ${expected.act}`);
  if (expected.queue && observed.queue !== expected.queue) problems.push(`queue ${observed.queue} ≠ ${expected.queue}`);
  if (expected.lang && observed.lang !== expected.lang) problems.push(`reply language ${observed.lang ?? '(none)'} ≠ ${expected.lang}`);
  return problems;
}

/** A Bot Framework channel in miniature: the serviceUrl the bot posts replies to, recorded per conversation. */
function startChannel(): Promise<{ url: string; texts: (id: string) => string[]; stop: () => Promise<void> }> {
  const received = new Map<string, string[]>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
      if (match) {
        const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string; text?: string };
        const id = decodeURIComponent(match[1]);
        if (activity.type === 'message') received.set(id, [...(received.get(id) ?? []), activity.text ?? '']);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `r${Date.now()}` }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        texts: (id) => received.get(id) ?? [],
        stop: () => new Promise<void>((done) => (server.closeAllConnections(), server.close(() => done()))),
      }),
    ),
  );
}

interface TurnLog {
  conversationId?: string;
  msg?: string;
  answers?: string[];
  act?: string;
}

export async function runConversations(set: ConversationSet, env: Record<string, string> = {}): Promise<ConversationReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'conversation-eval-'));
  const logs: TurnLog[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line) as TurnLog);
      done();
    },
  });
  // Open all day, so that queue turns are live queue turns whatever the time of the run.
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', SUPPORT_HOURS: 'daily 00:00-24:00', LOCAL_WEBCHAT: 'false', RATE_LIMIT_PER_MINUTE: '0', AGENT_TOKENS: 'eval:conversation-eval-agent-token-0001', HANDOFF_LIMIT_PER_ADDRESS: '0', ...env });
  const app = createApp(config, { logger: createLogger('info', sink) });
  const port = await app.listen(0, '127.0.0.1');
  const channel = await startChannel();
  // The server's own timers are unref'd (they must not keep a stopping bot alive); a CLI run needs one that is not.
  const keepAlive = setInterval(() => undefined, 1000);
  const results: TurnResult[] = [];
  let sequence = 0;
  try {
    for (const conversation of set.conversations) {
      const conversationId = `eval-${conversation.id}`;
      for (const [index, turn] of conversation.turns.entries()) {
        const before = await app.hub.store.openSession(conversationId);
        const repliesBefore = channel.texts(conversationId).length;
        const logsBefore = logs.length;
        const res = await fetch(`http://127.0.0.1:${port}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'message',
            id: `in-${++sequence}`,
            channelId: 'eval',
            serviceUrl: channel.url,
            conversation: { id: conversationId },
            from: { id: `seller-${conversation.id}`, role: 'user' },
            recipient: { id: 'bot', role: 'bot' },
            text: turn.say,
            locale: conversation.language === 'en' ? 'en-US' : 'ko-KR',
            timestamp: new Date().toISOString(),
          }),
        });
        await res.arrayBuffer();
        if (res.status >= 300) throw new Error(`POST /api/messages → ${res.status}`);
        const after = await app.hub.store.openSession(conversationId);
        const replies = channel.texts(conversationId).slice(repliesBefore);
        const turnLog = logs.slice(logsBefore).find((l) => l.msg === 'turn' && l.conversationId === conversationId);
        const queued = after?.status === 'waiting' && after.id !== before?.id;
        const summary = after?.summary as { oosTopic?: string } | undefined;
        const observed: ObservedTurn = {
          answers: turnLog?.answers ?? [],
          act: turnLog?.act,
          handoff: queued ? { reason: after.reason, ...(summary?.oosTopic ? { topic: summary.oosTopic } : {}) } : false,
          queue: after?.status === 'waiting' ? 'waiting' : 'none',
          lang: replies.length ? detectLanguage(replies.join('\n')) : undefined,
          replies,
        };
        const problems = checkTurn(turn.expect, observed);
        results.push({ conversation: conversation.id, turn: index + 1, say: turn.say, expected: turn.expect, observed, ok: problems.length === 0, problems });
      }
    }
  } finally {
    await channel.stop();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
    clearInterval(keepAlive);
  }
  const correct = results.filter((r) => r.ok).length;
  const perfect = set.conversations.filter((c) => results.every((r) => r.conversation !== c.id || r.ok)).length;
  return {
    conversations: set.conversations.length,
    turns: results.length,
    correct,
    turnAccuracy: results.length ? correct / results.length : 0,
    conversationAccuracy: perfect / set.conversations.length,
    results,
  };
}

export function describeReport(report: ConversationReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `turn accuracy          ${pct(report.turnAccuracy)} (${report.correct}/${report.turns} turns)`,
    `conversation accuracy  ${pct(report.conversationAccuracy)} (${report.conversations} conversations)`,
  ];
  const failures = report.results.filter((r) => !r.ok);
  lines.push('', `failures (${failures.length})`);
  for (const f of failures) {
    lines.push(`  [${f.conversation} #${f.turn}] ${f.say}`);
    lines.push(`      ${f.problems.join('; ')}`);
    lines.push(`      bot: ${f.observed.replies.map((r) => r.replace(/\n/g, ' ⏎ ').slice(0, 90)).join(' | ')}`);
  }
  return lines.join('\n');
}
