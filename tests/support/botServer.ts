// Starts the real bot server in-process on an ephemeral port, and posts activities to it like a channel.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppOptions, type BotApp, createApp } from '../../bot/app';
import { loadConfig } from '../../bot/config';
import { postgresCoordination } from '../../bot/coordination/postgres';
import { createLogger } from '../../bot/logger';
import { openPostgresStores } from '../../bot/storage/postgres';
import { createTestDatabase } from './database';
import { type HttpResult, http } from './http';

export interface RunningBot {
  app: BotApp;
  url: string;
  dataDir: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** BOT_TEST_BACKEND=postgres: the in-process bots of any test run on PostgreSQL, one database per DATA_DIR. */
const postgresDatabases = new Map<string, string>();

async function postgresBackend(dataDir: string, now?: () => Date): Promise<Pick<AppOptions, 'coordination' | 'stores'> & { close(): Promise<void> }> {
  let url = postgresDatabases.get(dataDir);
  if (!url) postgresDatabases.set(dataDir, (url = await createTestDatabase()));
  const coordination = await postgresCoordination({ url, poolSize: 6, logger: createLogger('silent'), now: now ?? (() => new Date()), pollMs: 500 });
  return { coordination, stores: openPostgresStores(coordination.pool), close: () => coordination.close() };
}

export async function startBot(env: Record<string, string> = {}, options: AppOptions & { dataDir?: string } = {}): Promise<RunningBot> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'bot-data-'));
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env });
  const backend = process.env.BOT_TEST_BACKEND === 'postgres' && !options.stores ? await postgresBackend(dataDir, options.now) : undefined;
  const app = createApp(config, { logger: createLogger('silent'), ...backend, ...options });
  const port = await app.listen(0, '127.0.0.1');
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    async stop({ keepData = false } = {}) {
      await app.close();
      await backend?.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let sequence = 0;

/** A message activity as a channel would send it. */
export function message(conversationId: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    id: `in-${++sequence}`,
    channelId: 'test',
    conversation: { id: conversationId },
    from: { id: `seller-${conversationId}`, name: 'Seller', role: 'user' },
    recipient: { id: 'bot', name: 'Bot', role: 'bot' },
    text,
    locale: 'ko-KR',
    timestamp: new Date().toISOString(),
    ...extra,
  };
}

export function post(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return http(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Sends a message with deliveryMode expectReplies and returns the texts of the replies. */
export async function ask(baseUrl: string, conversationId: string, text: string, extra: Record<string, unknown> = {}): Promise<string[]> {
  const res = await post(baseUrl, '/api/messages', message(conversationId, text, { deliveryMode: 'expectReplies', ...extra }));
  if (res.status !== 200) throw new Error(`POST /api/messages → ${res.status} ${JSON.stringify(res.body)}`);
  return ((res.body?.activities ?? []) as { type: string; text?: string }[]).filter((a) => a.type === 'message').map((a) => a.text ?? '');
}
