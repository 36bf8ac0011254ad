// `npm start` as a newcomer sees it: bot/index.ts in a child process prints where the seller page and the
// agent console are and where the agent token is kept, on lines of their own; the JSON logs never carry the token.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startupBanner } from '../../bot/banner';
import { loadConfig } from '../../bot/config';
import { type BotProcess, spawnBot } from '../support/botProcess';

jest.setTimeout(60000);

const dirs: string[] = [];
const bots: BotProcess[] = [];

let plain: Awaited<ReturnType<typeof start>>;

beforeAll(async () => {
  plain = await start();
});

afterAll(async () => {
  await Promise.all(bots.map((b) => b.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}): Promise<{ bot: BotProcess; dataDir: string; banner: Map<string, string> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bot-banner-'));
  dirs.push(dataDir);
  const bot = await spawnBot(dataDir, env);
  bots.push(bot);
  const deadline = Date.now() + 10000;
  while (!/Agent token/.test(bot.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const banner = new Map<string, string>();
  for (const line of bot.stderr().split('\n')) {
    const match = /^\s+[^:]+· ([A-Za-z ]+):\s+(\S+)/.exec(line);
    if (match) banner.set(match[1]!, match[2]!);
  }
  return { bot, dataDir, banner };
}

test('the seller page, the agent console and the token file, each on its own line; both pages answer', async () => {
  const { bot, dataDir, banner } = plain;
  const port = new URL(bot.url).port;
  expect(banner.get('Seller chat')).toBe(`http://localhost:${port}/`);
  expect(banner.get('Agent console')).toBe(`http://localhost:${port}/agent`);
  // The child runs in DATA_DIR, so the file is named relative to it.
  expect(banner.get('Agent token')).toBe('agent-token');
  const line = readFileSync(join(dataDir, 'agent-token'), 'utf8').trim();
  const token = line.slice(line.indexOf(':') + 1);
  expect(token.length).toBeGreaterThanOrEqual(24);

  for (const address of [banner.get('Seller chat')!, banner.get('Agent console')!]) {
    const res = await fetch(address.replace('localhost', '127.0.0.1'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  }
  // The token is in the file, nowhere in what the process printed (JSON logs or banner).
  expect(bot.output()).not.toContain(token);
  const jsonLines = bot.output().split('\n').filter((l) => l.startsWith('{'));
  expect(jsonLines.some((l) => JSON.parse(l).msg === 'agent console (local agent token)')).toBe(true);
});

test('behind a proxy the addresses start with PUBLIC_BASE_URL', () => {
  const config = loadConfig({ DATA_DIR: plain.dataDir, PUBLIC_BASE_URL: 'https://chat.example.com' });
  const lines = startupBanner(config, 3978, true).split('\n');
  expect(lines).toContainEqual(expect.stringMatching(/Seller chat:\s+https:\/\/chat\.example\.com\/$/));
  expect(lines).toContainEqual(expect.stringMatching(/Agent console:\s+https:\/\/chat\.example\.com\/agent$/));
  const withTokens = startupBanner(loadConfig({ DATA_DIR: plain.dataDir, AGENT_TOKENS: 'minji:0123456789abcdef0123456789' }), 3978, false);
  expect(withTokens).toMatch(/Agent tokens:\s+AGENT_TOKENS/);
  expect(withTokens).not.toContain('0123456789abcdef');
});
