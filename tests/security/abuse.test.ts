// Issue 12: the attacks an outside probe ran against the bot, each reproduced through the real server
// (HTTP on loopback), and what the bot must do now instead.
import { connect } from 'node:net';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../bot/app';
import { ConfigError, loadConfig } from '../../bot/config';
import { MAX_BUFFERED_BYTES } from '../../bot/handoff/agents/connections';
import { createLogger } from '../../bot/logger';
import { type RunningBot, message, post, startBot } from '../support/botServer';
import { ChannelServer } from '../support/channelServer';
import { DirectLineClient, TINY_PNG, upload } from '../webchat/directLineClient';
import { AGENT_TOKENS, MINJI, Seller, accept, api, closeAsAgent, conversationPath, ko, queue, sendAsAgent } from '../handoff/helpers';

let channel: ChannelServer;
let other: ChannelServer;

beforeAll(async () => {
  channel = new ChannelServer();
  other = new ChannelServer();
  await Promise.all([channel.start(), other.start()]);
});

afterAll(async () => {
  await Promise.all([channel?.stop(), other?.stop()]);
});

async function withBot<T>(env: Record<string, string>, work: (bot: RunningBot) => Promise<T>): Promise<T> {
  const bot = await startBot({ AGENT_TOKENS, ...env });
  try {
    return await work(bot);
  } finally {
    await bot.stop();
  }
}

/** How long /healthz takes to answer while `during` runs. */
async function healthzLatencyDuring(bot: RunningBot, during: Promise<unknown>): Promise<number> {
  await new Promise((r) => setTimeout(r, 20));
  const started = performance.now();
  const res = await fetch(`${bot.url}/healthz`);
  const ms = performance.now() - started;
  expect(res.status).toBe(200);
  await during;
  return ms;
}

describe('1. one message never freezes the server', () => {
  test('a waiting seller sending "상품번호" + 96,000 spaces (long messages allowed): the loop stays free', async () => {
    await withBot({ MAX_MESSAGE_LENGTH: '100000', BODY_LIMIT_BYTES: '1048576' }, async (bot) => {
      const seller = new Seller(bot, channel, 'regex-freeze');
      await seller.say('상담사');
      const text = `상품번호${' '.repeat(96_000)}x`;
      const started = performance.now();
      const sends = Promise.all(Array.from({ length: 5 }, () => seller.say(text)));
      const latency = await healthzLatencyDuring(bot, sends);
      // Before the fix each message held the loop for about 11 s.
      expect(performance.now() - started).toBeLessThan(5000);
      expect(latency).toBeLessThan(1000);
      expect((await queue(bot)).waiting[0]).toMatchObject({ conversationId: 'regex-freeze' });
    });
  });

  test('with the default limit, the handoff path too reads only MAX_MESSAGE_LENGTH characters', async () => {
    await withBot({}, async (bot) => {
      const seller = new Seller(bot, channel, 'cut-first');
      await seller.say('상담사');
      await seller.say(`상품번호${' '.repeat(60_000)}12345678`);
      expect(await accept(bot, MINJI, 'cut-first')).toMatchObject({ status: 200 });
      const transcript = await api(bot, 'GET', conversationPath('cut-first', 'transcript'), { token: MINJI.token });
      const long = transcript.body.messages.filter((m: { role: string; text: string }) => m.role === 'seller' && m.text.startsWith('상품번호'));
      expect(long).toHaveLength(1);
      expect([...long[0].text].length).toBe(bot.app.config.MAX_MESSAGE_LENGTH);
    });
  });
});

describe('2. no conversation takeover', () => {
  test.each(['webchat', 'WebChat', 'kakao', 'talktalk'])('local mode: /api/messages refuses channelId "%s" with 403', async (channelId) => {
    await withBot({}, async (bot) => {
      const res = await post(bot.url, '/api/messages', message('taken', 'hi', { channelId, serviceUrl: other.url }));
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'Forbidden', message: expect.any(String) });
      expect(other.texts('taken')).toEqual([]);
    });
  });

  test('a built-in web chat conversation cannot be taken over through /api/messages', async () => {
    await withBot({}, async (bot) => {
      const client = await DirectLineClient.start(bot.url);
      await client.until((list) => list.length > 0);
      const res = await post(
        bot.url,
        '/api/messages',
        message(client.conversationId, '상담 종료', { channelId: 'webchat', serviceUrl: other.url, from: { id: client.userId, role: 'user' } }),
      );
      expect(res.status).toBe(403);
      expect(other.received.size).toBe(0);
    });
  });

  test('an unauthenticated activity cannot move a conversation to another serviceUrl; the agent keeps reaching the seller', async () => {
    await withBot({}, async (bot) => {
      const seller = new Seller(bot, channel, 'moved');
      await seller.say('상담사');
      expect((await accept(bot, MINJI, 'moved')).status).toBe(200);
      const attacker = new Seller(bot, other, 'moved');
      expect(await attacker.say('I am the seller now')).toEqual([]);
      expect(await attacker.say('상담 종료')).toEqual([]);
      const sent = await sendAsAgent(bot, MINJI, 'moved', '안녕하세요');
      expect(sent.body).toMatchObject({ delivered: true });
      expect(seller.texts().at(-1)).toContain('안녕하세요');
      expect(other.received.size).toBe(0);
      const transcript = await api(bot, 'GET', conversationPath('moved', 'transcript'), { token: MINJI.token });
      expect(JSON.stringify(transcript.body.messages)).not.toContain('I am the seller now');
      expect((await queue(bot)).active).toEqual([expect.objectContaining({ conversationId: 'moved', channelId: 'test' })]);
    });
  });

  test('the same conversation id on another channel is another conversation: not relayed, not queued twice', async () => {
    await withBot({}, async (bot) => {
      const seller = new Seller(bot, channel, 'shared-id');
      await seller.say('상담사');
      const twin = (text: string) => post(bot.url, '/api/messages', message('shared-id', text, { channelId: 'other-channel', serviceUrl: other.url }));
      expect((await twin('상담사')).status).toBe(200);
      expect(other.texts('shared-id').join('\n')).toContain(ko('handoff.channel_unsupported'));
      const q = await queue(bot);
      expect(q.waiting).toEqual([expect.objectContaining({ conversationId: 'shared-id', channelId: 'test' })]);
      expect(await accept(bot, MINJI, 'shared-id')).toMatchObject({ status: 200 });
      await twin('twin text');
      const transcript = await api(bot, 'GET', conversationPath('shared-id', 'transcript'), { token: MINJI.token });
      expect(JSON.stringify(transcript.body.messages)).not.toContain('twin text');
      await sendAsAgent(bot, MINJI, 'shared-id', '담당 상담사예요');
      expect(seller.texts().at(-1)).toContain('담당 상담사예요');
      expect(other.texts('shared-id').join('\n')).not.toContain('담당 상담사예요');
    });
  });

  test('a "bot" role from /api/messages is shown as the seller in the agent transcript', async () => {
    await withBot({}, async (bot) => {
      const seller = new Seller(bot, channel, 'role');
      await seller.say('상담사');
      await seller.say('나는 봇이에요', { from: { id: 'seller-role', role: 'bot' } });
      const transcript = await api(bot, 'GET', conversationPath('role', 'transcript'), { token: MINJI.token });
      expect(transcript.body.messages).toContainEqual(expect.objectContaining({ role: 'seller', text: '나는 봇이에요' }));
    });
  });
});

describe('3. ALLOWED_SERVICE_URLS compares scheme, host, port and path', () => {
  test('user-info, look-alike hosts, longer ports and sibling paths are refused; the entry itself is allowed', async () => {
    const port = new URL(channel.url).port;
    await withBot({ ALLOWED_SERVICE_URLS: `http://127.0.0.1:${port}/v3,http://localhost` }, async (bot) => {
      const tries: [string, number][] = [
        [`http://127.0.0.1:${port}@192.0.2.2:4298/v3/`, 403],
        [`http://127.0.0.1:${port}/v3@192.0.2.2/`, 403],
        ['http://localhost.evil.example/', 403],
        ['http://localhost@evil.example/', 403],
        [`http://127.0.0.1:${port}0/v3/`, 403],
        [`http://127.0.0.1:${port}/v3x/`, 403],
        [`https://127.0.0.1:${port}/v3/`, 403],
        ['http://localhost:1/', 403],
        [`http://127.0.0.1:${port}/v3/`, 200],
      ];
      for (const [serviceUrl, status] of tries) {
        const res = await post(bot.url, '/api/messages', message(`allow-${status}`, '상품 삭제 방법', { serviceUrl }));
        expect([serviceUrl, res.status]).toEqual([serviceUrl, status]);
      }
    });
  });

  test('an entry with user-info stops start-up naming the key', () => {
    expect(() => loadConfig({ ALLOWED_SERVICE_URLS: 'http://user:pw@127.0.0.1:4299' })).toThrow(ConfigError);
    expect(() => loadConfig({ ALLOWED_SERVICE_URLS: 'ftp://127.0.0.1' })).toThrow(/ALLOWED_SERVICE_URLS/);
  });
});

describe('4. agent tokens cannot be guessed without limit', () => {
  test('failed bearer guesses on any endpoint (SSE included) get 429 per address; other addresses are not affected', async () => {
    await withBot({ SIGNIN_RATE_LIMIT_PER_MINUTE: '10', TRUSTED_PROXIES: 'loopback' }, async (bot) => {
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const path = i % 2 ? '/api/agent/me' : '/api/agent/events';
        statuses.push((await api(bot, 'GET', path, { token: `guess-${i}-0123456789abcdefghij`, headers: from('203.0.113.7') })).status);
      }
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
      // Out of budget, even the right token is refused (a late right guess tells nothing).
      const right = await api(bot, 'GET', '/api/agent/me', { token: MINJI.token, headers: from('203.0.113.7') });
      expect(right.status).toBe(429);
      expect(right.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(right.body).toMatchObject({ code: 'TooManyRequests' });
      expect((await api(bot, 'GET', '/api/agent/me', { token: MINJI.token, headers: from('203.0.113.8') })).status).toBe(200);
    });
  });

  test('configured tokens shorter than 24 characters stop start-up naming AGENT_TOKENS', () => {
    expect(() => loadConfig({ AGENT_TOKENS: 'minji:short-token-12345' })).toThrow(/AGENT_TOKENS/);
    expect(loadConfig({ AGENT_TOKENS: 'minji:long-enough-token-123456' }).AGENT_TOKENS).toHaveLength(1);
  });
});

describe('5. floods', () => {
  test('new handoffs are limited per address in local mode (HANDOFF_LIMIT_PER_ADDRESS)', async () => {
    await withBot({ HANDOFF_LIMIT_PER_ADDRESS: '3', TRUSTED_PROXIES: 'loopback' }, async (bot) => {
      const ask = (id: string, ip: string) =>
        post(bot.url, '/api/messages', message(id, '상담사', { serviceUrl: channel.url }), { 'x-forwarded-for': ip });
      for (let i = 0; i < 4; i++) expect((await ask(`flood-${i}`, '198.51.100.1')).status).toBe(200);
      expect(channel.texts('flood-3').join('\n')).toContain(ko('handoff.too_many_requests'));
      expect((await ask('flood-other', '198.51.100.2')).status).toBe(200);
      expect((await queue(bot)).waiting.map((w) => w.conversationId)).toEqual(['flood-0', 'flood-1', 'flood-2', 'flood-other']);
    });
  });

  test('queue snapshots to agent streams are coalesced: 40 handoffs in a burst send a few, not 40', async () => {
    await withBot({ HANDOFF_LIMIT_PER_ADDRESS: '0' }, async (bot) => {
      const res = await fetch(`${bot.url}/api/agent/events`, { headers: { authorization: `Bearer ${MINJI.token}` } });
      const reader = res.body!.getReader();
      let text = '';
      const reading = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += Buffer.from(value).toString('utf8');
        }
      })();
      await Promise.all(Array.from({ length: 40 }, (_, i) => post(bot.url, '/api/messages', message(`burst-${i}`, '상담사', { serviceUrl: channel.url }))));
      await new Promise((r) => setTimeout(r, 600));
      await reader.cancel();
      await reading.catch(() => undefined);
      const queueEvents = text.split('event: queue').length - 1;
      expect(text.split('event: waiting').length - 1).toBe(40);
      expect(queueEvents).toBeGreaterThanOrEqual(2); // the first on connecting, then the coalesced ones
      expect(queueEvents).toBeLessThanOrEqual(12);
    });
  });

  test('an agent stream that never reads is cut off once a megabyte waits for it', async () => {
    await withBot({}, async (bot) => {
      const { port } = new URL(bot.url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`GET /api/agent/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${MINJI.token}\r\n\r\n`);
      await new Promise((r) => setTimeout(r, 200));
      socket.pause(); // never reads again
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      expect(bot.app.hub.connections.count).toBe(1);
      const big = 'x'.repeat(64 * 1024);
      // Enough to fill the kernel's buffers and then the stream's own megabyte.
      for (let i = 0; i < 400 && bot.app.hub.connections.count > 0; i++) {
        bot.app.hub.connections.broadcast('message', { conversationId: 'noise', text: big });
        await new Promise((r) => setImmediate(r));
      }
      socket.resume();
      socket.destroy();
      await closed;
      expect(bot.app.hub.connections.count).toBe(0);
      expect(MAX_BUFFERED_BYTES).toBeLessThanOrEqual(1024 * 1024);
    });
  });

  test('the missed list is paged', async () => {
    await withBot({ HANDOFF_TIMEOUT_MINUTES: '0.001', HANDOFF_LIMIT_PER_ADDRESS: '0' }, async (bot) => {
      for (let i = 0; i < 55; i++) await post(bot.url, '/api/messages', message(`missed-${i}`, '상담사', { serviceUrl: channel.url }));
      await new Promise((r) => setTimeout(r, 100));
      await bot.app.hub.tick();
      const first = await queue(bot);
      expect(first.missed).toHaveLength(50);
      expect((first as unknown as { missedMore: boolean }).missedMore).toBe(true);
      const before = encodeURIComponent(first.missed.at(-1).waitingSince);
      const next = await api(bot, 'GET', `/api/agent/queue?missedBefore=${before}`, { token: MINJI.token });
      expect(next.body.missed.length).toBeGreaterThanOrEqual(5);
      expect(next.body.missedMore).toBe(false);
      expect((await api(bot, 'GET', '/api/agent/queue?missedBefore=soon', { token: MINJI.token })).status).toBe(400);
    });
  });

  test('a web chat token gets a few long polls at once, not unlimited', async () => {
    await withBot({ WEBCHAT_POLLS_PER_TOKEN: '2' }, async (bot) => {
      const client = await DirectLineClient.start(bot.url);
      await client.until((list) => list.length > 0);
      const watermark = client.watermark;
      const poll = () => client.call('GET', client.path(`/activities?watermark=${watermark}&wait=2`));
      const results = await Promise.all([poll(), poll(), new Promise((r) => setTimeout(r, 200)).then(poll)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    });
  });
});

describe('6. no cross-site request forgery on the agent API', () => {
  test('accept and close with the session cookie from another origin, a same-site page or a form are refused', async () => {
    await withBot({}, async (bot) => {
      const signIn = await api(bot, 'POST', '/api/agent/session', { body: { token: MINJI.token } });
      const cookie = String(signIn.headers.get('set-cookie')).split(';')[0]!;
      const seller = new Seller(bot, channel, 'csrf');
      await seller.say('상담사');
      const path = conversationPath('csrf', 'accept');
      const forged: Record<string, string>[] = [
        { origin: `http://127.0.0.1:${Number(new URL(bot.url).port) + 1}` },
        { 'sec-fetch-site': 'same-site' },
        { 'sec-fetch-site': 'cross-site' },
        { 'content-type': 'application/x-www-form-urlencoded' },
        { 'content-type': 'text/plain' },
        { 'content-type': 'multipart/form-data; boundary=x' },
      ];
      for (const headers of forged) {
        const res = await api(bot, 'POST', path, { headers: { cookie, ...headers } });
        expect([headers, res.status]).toEqual([headers, headers['content-type'] ? 415 : 403]);
      }
      expect((await queue(bot)).waiting).toEqual([expect.objectContaining({ conversationId: 'csrf' })]);
      // The console itself: same origin, JSON.
      const own = await api(bot, 'POST', path, { headers: { cookie, origin: bot.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, body: {} });
      expect(own.status).toBe(200);
      const close = await api(bot, 'POST', conversationPath('csrf', 'close'), { headers: { cookie, 'sec-fetch-site': 'same-site' } });
      expect(close.status).toBe(403);
      expect((await closeAsAgent(bot, MINJI, 'csrf')).status).toBe(200);
    });
  });

  test('a session cookie planted with a narrower path does not shadow the real one', async () => {
    await withBot({}, async (bot) => {
      const signIn = await api(bot, 'POST', '/api/agent/session', { body: { token: MINJI.token } });
      const real = String(signIn.headers.get('set-cookie')).split(';')[0]!;
      // A cookie planted by another page of the site with Path=/api comes after the real one (Path=/api/agent:
      // browsers send longer paths first); the last value used to win.
      const res = await api(bot, 'GET', '/api/agent/me', { headers: { cookie: `${real}; agent_session=planted-by-another-page` } });
      expect(res.status).toBe(200);
      expect(res.body.agent).toBe(MINJI.name);
    });
  });
});

describe('7. smaller holes', () => {
  test('the console and the web chat page load images from this server only', async () => {
    await withBot({}, async (bot) => {
      for (const path of ['/agent', '/']) {
        const csp = (await fetch(`${bot.url}${path}`)).headers.get('content-security-policy') ?? '';
        const img = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('img-src'));
        expect([path, img]).toEqual([path, "img-src 'self' data: blob:"]);
      }
    });
  });

  test('uploads keep the detected type as extension, whatever the seller named them', async () => {
    await withBot({}, async (bot) => {
      const client = await DirectLineClient.start(bot.url);
      await client.until((list) => list.length > 0);
      const files = [
        { name: 'invoice.html', type: 'text/html', data: Buffer.from('%PDF-1.4\n%…\n'), expected: 'invoice.pdf' },
        { name: 'screenshot.exe', type: 'application/octet-stream', data: TINY_PNG, expected: 'screenshot.png' },
        { name: 'photo', type: 'image/png', data: TINY_PNG, expected: 'photo.png' },
        { name: 'ok.PNG', type: 'image/png', data: TINY_PNG, expected: 'ok.PNG' },
      ];
      for (const file of files) {
        const res = await upload(client, [file]);
        expect(res.status).toBe(200);
        await client.until((list) => list.some((a) => a.id === res.body.id));
        const attachment = client.activities.find((a) => a.id === res.body.id)!.attachments![0]!;
        expect(attachment.name).toBe(file.expected);
        const served = await fetch(attachment.contentUrl!);
        expect(served.headers.get('content-disposition')).toContain(encodeURIComponent(file.expected));
      }
      // Data files and folders are the bot's own: 0600 and 0700.
      expect(statSync(join(bot.dataDir, 'bot.sqlite')).mode & 0o777).toBe(0o600);
      expect(statSync(join(bot.dataDir, 'bot.sqlite-wal')).mode & 0o777).toBe(0o600);
      expect(statSync(join(bot.dataDir, 'uploads')).mode & 0o777).toBe(0o700);
    });
  });

  test('unauthenticated traffic to a dead serviceUrl leaves at most OUTBOX_MAX_PENDING_PER_ORIGIN undelivered rows', async () => {
    const dead = new ChannelServer();
    await dead.start();
    dead.mode = 'down';
    try {
      await withBot({ OUTBOX_MAX_PENDING_PER_ORIGIN: '5', CHANNEL_TIMEOUT_MS: '300', RATE_LIMIT_PER_MINUTE: '0' }, async (bot) => {
        for (let i = 0; i < 8; i++) {
          expect((await post(bot.url, '/api/messages', message(`dead-${i}`, '상품 삭제 방법', { serviceUrl: dead.url }))).status).toBe(200);
        }
        const pending = [...(await bot.app.outbox.pendingCounts()).values()].reduce((a, b) => a + b, 0);
        expect(pending).toBeGreaterThan(0);
        expect(pending).toBeLessThanOrEqual(5);
        // Another origin still gets its replies.
        expect((await post(bot.url, '/api/messages', message('alive', '상품 삭제 방법', { serviceUrl: channel.url }))).status).toBe(200);
        expect(channel.texts('alive').length).toBeGreaterThan(0);
      });
    } finally {
      await dead.stop();
    }
  });

  test('the local agent token is not written to the JSON log', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'bot-log-'));
    const dataDir = join(parent, 'data');
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = createApp(loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { logger: createLogger('info', destination) });
    try {
      await app.listen(0, '127.0.0.1');
      const token = app.hub.auth.local!.token;
      expect(lines.join('')).toContain('agent console');
      expect(lines.join('')).not.toContain(token);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    } finally {
      await app.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
