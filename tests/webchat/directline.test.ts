// The built-in Direct Line over real HTTP: conversations, watermarks, the bot's replies and proactive
// messages through the in-process channel, tokens, uploads, limits, restarts and credentials mode.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKnowledge } from '../../knowledge';
import { closeDatabase, openDatabase } from '../../bot/storage/sqlite/database';
import { TokenSigner } from '../../bot/webchat/tokens';
import { type RunningBot, startBot } from '../support/botServer';
import { http } from '../support/http';
import { DirectLineClient, TINY_PNG, pngOfSize, rawRequest, upload, uploadedLink } from './directLineClient';

const knowledge = loadKnowledge();
const welcome = knowledge.text('welcome', 'ko');

let bot: RunningBot;

beforeAll(async () => {
  bot = await startBot();
});

afterAll(async () => {
  await bot?.stop();
});

function signer(running: RunningBot): TokenSigner {
  return new TokenSigner(readFileSync(join(running.dataDir, 'webchat-secret'), 'utf8').trim());
}

test('a conversation: welcome with topic buttons, post, echo, the reply after the watermark', async () => {
  const client = await DirectLineClient.start(bot.url);
  const [first] = await client.until((list) => list.some((a) => a.type === 'message'));
  expect(first!.text).toBe(welcome);
  expect(first!.from).toMatchObject({ role: 'bot', name: '스마트스토어 고객센터' });
  expect(first!.suggestedActions?.actions.length).toBeGreaterThan(3);
  expect(client.watermark).toBe('1');

  const id = await client.say('삭제한 상품 복구할 수 있나요?');
  expect(id).toBe(`${client.conversationId}|0000002`);
  const replies = await client.repliesTo(id);
  expect(replies.length).toBeGreaterThan(0);
  expect(replies[0]!.text).toEqual(expect.any(String));

  // The echo of the seller's own message: the id and sender come from the token, not the page.
  const echo = client.activities.find((a) => a.id === id)!;
  expect(echo.from).toEqual({ id: client.userId, role: 'user' });
  expect(echo.channelData).toEqual({ clientActivityID: 'client-1' });
  expect(echo.timestamp).toEqual(expect.any(String));

  // Nothing new after the latest watermark; the watermark stays where it was.
  const seen = client.watermark;
  expect(await client.poll(0)).toEqual([]);
  expect(client.watermark).toBe(seen);

  // A client that reads from the start again gets the whole list in order (what a reload does).
  const again = await client.call('GET', `${client.path('/activities')}?watermark=&wait=0`);
  expect(again.body.activities.map((a: { id: string }) => a.id)).toEqual(client.activities.map((a) => a.id));
});

test('a long poll answers as soon as the reply arrives', async () => {
  const client = await DirectLineClient.start(bot.url);
  await client.until((list) => list.length > 0);
  const waiting = client.call('GET', `${client.path('/activities')}?watermark=${client.watermark}&wait=10`);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 100));
  await client.say('운영 시간 알려주세요');
  const res = await waiting;
  expect(Date.now() - started).toBeLessThan(5000);
  expect(res.body.activities.length).toBeGreaterThan(0);
});

test('tokens: refresh, and 403 for a missing, forged, expired or foreign token', async () => {
  const client = await DirectLineClient.start(bot.url);
  const other = await DirectLineClient.start(bot.url);

  const refreshed = await client.call('POST', '/v3/directline/tokens/refresh');
  expect(refreshed.status).toBe(200);
  expect(refreshed.body).toMatchObject({ conversationId: client.conversationId, expires_in: 3600 });
  expect(refreshed.body.token).toEqual(expect.any(String));

  const path = `${client.path('/activities')}?watermark=&wait=0`;
  expect((await client.call('GET', path, undefined, '')).status).toBe(403);
  const forged = `${client.token.slice(0, -4)}AAAA`;
  expect((await client.call('GET', path, undefined, forged)).status).toBe(403);
  const expired = signer(bot).sign(client.conversationId, client.userId, -60).token;
  const res = await client.call('GET', path, undefined, expired);
  expect(res.status).toBe(403);
  expect(res.body.code).toBe('TokenExpired');
  expect((await client.call('POST', '/v3/directline/tokens/refresh', undefined, expired)).status).toBe(403);
  // A valid token for another conversation opens nothing here.
  expect((await client.call('GET', path, undefined, other.token)).status).toBe(403);
  expect((await client.call('POST', client.path('/activities'), { type: 'message', text: 'hi' }, other.token)).status).toBe(403);
  // Nor can it say this seller left, or end their conversation.
  expect((await client.call('POST', client.path('/activities'), { type: 'event', name: 'webchat/leaving' }, other.token)).status).toBe(403);
  expect((await client.call('POST', client.path('/activities'), { type: 'endOfConversation' }, other.token)).status).toBe(403);
  expect((await client.call('POST', client.path('/activities'), { type: 'event', name: 'webchat/leaving', value: null, channelData: null }, '')).status).toBe(403);
});

test('404 for an unknown conversation', async () => {
  const token = signer(bot).sign('no-such-conversation', 'dl_nobody').token;
  const res = await http(`${bot.url}/v3/directline/conversations/no-such-conversation/activities?watermark=&wait=0`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(404);
  const reconnect = await http(`${bot.url}/v3/directline/conversations/no-such-conversation?watermark=`, { headers: { authorization: `Bearer ${token}` } });
  expect(reconnect.status).toBe(404);
});

test('malformed activities get 400, handoff events from the page are refused, seller typing is not stored', async () => {
  const client = await DirectLineClient.start(bot.url);
  expect((await client.call('POST', client.path('/activities'), { type: 'message', text: 5 })).status).toBe(400);
  expect((await client.call('POST', client.path('/activities'), { type: 'invoke', name: 'x' })).status).toBe(400);
  const spoof = await client.call('POST', client.path('/activities'), { type: 'event', name: 'handoff.status', value: { state: 'completed' } });
  expect(spoof.status).toBe(400);
  const typing = await client.call('POST', client.path('/activities'), { type: 'typing' });
  expect(typing.status).toBe(200);
  const big = await client.call('POST', client.path('/activities'), { type: 'message', text: 'x'.repeat(70 * 1024) });
  expect(big.status).toBe(413);
  await client.poll(1);
  expect(client.activities.filter((a) => a.from?.role === 'user')).toEqual([]);
});

test('uploads: a screenshot reaches the conversation and is served back; too big 413, wrong type 415', async () => {
  const client = await DirectLineClient.start(bot.url);
  await client.until((list) => list.length > 0);
  const res = await upload(client, [{ name: '화면 캡처.png', type: 'image/png', data: TINY_PNG }]);
  expect(res.status).toBe(200);
  await client.until((list) => list.some((a) => a.id === res.body.id));
  const sent = client.activities.find((a) => a.id === res.body.id)!;
  expect(sent.from).toMatchObject({ id: client.userId, role: 'user' });
  expect(sent.channelData).toEqual({ clientActivityID: 'upload-1' });
  expect(sent.attachments).toHaveLength(1);
  const attachment = sent.attachments![0]!;
  expect(attachment).toMatchObject({ contentType: 'image/png', name: '화면 캡처.png' });
  expect(attachment.contentUrl).toMatch(new RegExp(`^${bot.url}/webchat/uploads/[A-Za-z0-9_-]{22}$`));
  expect(attachment.thumbnailUrl).toBe(attachment.contentUrl);
  const file = await fetch(attachment.contentUrl!);
  expect(file.status).toBe(200);
  expect(file.headers.get('content-type')).toBe('image/png');
  expect(file.headers.get('x-content-type-options')).toBe('nosniff');
  expect(Buffer.from(await file.arrayBuffer()).equals(TINY_PNG)).toBe(true);

  const tooBig = await upload(client, [{ name: 'big.png', type: 'image/png', data: pngOfSize(5 * 1024 * 1024 + 1) }]);
  expect(tooBig.status).toBe(413);
  const script = await upload(client, [{ name: 'evil.png', type: 'image/png', data: Buffer.from('<script>alert(1)</script>') }]);
  expect(script.status).toBe(415);
  const text = await upload(client, [{ name: 'notes.txt', type: 'text/plain', data: Buffer.from('hello') }]);
  expect(text.status).toBe(415);
  const pdf = await upload(client, [{ name: 'invoice.pdf', type: 'application/pdf', data: Buffer.from('%PDF-1.4\n%…\n') }]);
  expect(pdf.status).toBe(200);
  expect((await http(`${bot.url}/webchat/uploads/AAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(404);
  // The files are under DATA_DIR/uploads.
  expect(readFileSync(join(bot.dataDir, 'uploads', `${attachment.contentUrl!.split('/').pop()}.png`)).equals(TINY_PNG)).toBe(true);
});

test('uploads count against the per-conversation limit, rejected ones too, and are refused before their body is read', async () => {
  const client = await DirectLineClient.start(bot.url);
  await client.until((list) => list.length > 0);
  const other = await DirectLineClient.start(bot.url);
  // The limit is 60 activities per conversation per minute (DIRECT_LINE_LIMITS): one good upload and 59
  // refused for their file type use it up.
  expect((await upload(client, [{ name: 'ok.png', type: 'image/png', data: TINY_PNG }])).status).toBe(200);
  for (let i = 0; i < 59; i++) {
    const refused = await upload(client, [{ name: `notes-${i}.txt`, type: 'text/plain', data: Buffer.from('hello') }]);
    expect(refused.status).toBe(415);
  }
  const limited = await upload(client, [{ name: 'notes-60.txt', type: 'text/plain', data: Buffer.from('hello') }]);
  expect(limited.status).toBe(429);
  expect(limited.body).toEqual({ code: 'TooManyRequests', message: expect.any(String) });
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  // Uploads and messages share the budget; another conversation is not affected.
  expect((await upload(client, [{ name: 'ok.png', type: 'image/png', data: TINY_PNG }])).status).toBe(429);
  expect((await client.call('POST', client.path('/activities'), { type: 'message', text: 'hi' })).status).toBe(429);
  expect((await upload(other, [{ name: 'ok.png', type: 'image/png', data: TINY_PNG }])).status).toBe(200);

  // A big upload over the limit is answered at once, without waiting for (or reading) its body, and
  // the connection is closed.
  const big = await rawRequest(`${bot.url}${client.path('/upload')}`, {
    headers: { authorization: `Bearer ${client.token}`, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(9 * 1024 * 1024) },
  });
  expect(big.status).toBe(429);
  expect(big.body.code).toBe('TooManyRequests');
  expect(big.headers.connection).toBe('close');
  await big.closed;
});

test('an upload without a valid token is answered at once and its body is never read', async () => {
  const client = await DirectLineClient.start(bot.url);
  const headers = { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(9 * 1024 * 1024) };
  for (const authorization of [undefined, `Bearer ${client.token.slice(0, -4)}AAAA`]) {
    const res = await rawRequest(`${bot.url}${client.path('/upload')}`, { headers: authorization ? { ...headers, authorization } : headers });
    expect(res.status).toBe(403);
    expect(res.body.code).toEqual(expect.stringMatching(/^(MissingToken|InvalidToken)$/));
    expect(res.headers.connection).toBe('close');
    await res.closed;
  }
  // A small refused body is discarded as usual (the connection may stay open).
  const small = await rawRequest(`${bot.url}${client.path('/upload')}`, { headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: Buffer.from('--x--\r\n') });
  expect(small.status).toBe(403);
});

test("upload links name this server, not whatever the uploader put in the Host header", async () => {
  const client = await DirectLineClient.start(bot.url);
  await client.until((list) => list.length > 0);
  const port = new URL(bot.url).port;
  expect(await uploadedLink(client, 'evil.example')).toMatch(new RegExp(`^${bot.url}/webchat/uploads/[A-Za-z0-9_-]{22}$`));
  expect(await uploadedLink(client, `evil.example:${port}`)).toMatch(new RegExp(`^${bot.url}/webchat/uploads/[A-Za-z0-9_-]{22}$`));
  expect(await uploadedLink(client, '127.0.0.1:1')).toMatch(new RegExp(`^${bot.url}/webchat/uploads/[A-Za-z0-9_-]{22}$`));
  // The page opened at http://localhost:<port>/ gets links from its own origin (its CSP allows 'self').
  expect(await uploadedLink(client, `localhost:${port}`)).toMatch(new RegExp(`^http://localhost:${port}/webchat/uploads/[A-Za-z0-9_-]{22}$`));
});

test('behind a reverse proxy (PUBLIC_BASE_URL) upload links start with the public address and are served at its local path', async () => {
  // As configured for https://chat.example.com → the bot: the trailing slash is normalised away.
  const proxied = await startBot({ PUBLIC_BASE_URL: 'https://chat.example.com/' });
  try {
    const client = await DirectLineClient.start(proxied.url);
    await client.until((list) => list.length > 0);
    const link = /^https:\/\/chat\.example\.com\/webchat\/uploads\/[A-Za-z0-9_-]{22}$/;
    // Whatever Host the request arrives with: the proxy's, or this server's own (which alone would name it).
    const direct = await uploadedLink(client);
    expect(direct).toMatch(link);
    const forwarded = await uploadedLink(client, 'chat.example.com');
    expect(forwarded).toMatch(link);
    // What the proxy asks the bot for.
    const file = await fetch(`${proxied.url}${new URL(direct).pathname}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer()).equals(TINY_PNG)).toBe(true);
  } finally {
    await proxied.stop();
  }
});

test('idle conversations are removed at start-up with their files (the retention job)', async () => {
  const first = await startBot();
  const client = await DirectLineClient.start(first.url);
  await client.until((list) => list.length > 0);
  const file = join(first.dataDir, 'uploads', `${(await uploadedLink(client)).split('/').pop()}.png`);
  expect(existsSync(file)).toBe(true);
  await first.stop({ keepData: true });
  const db = openDatabase(join(first.dataDir, 'bot.sqlite'));
  db.prepare(`UPDATE webchat_conversations SET updated_at = ? WHERE id = ?`).run('2000-01-01T00:00:00.000Z', client.conversationId);
  closeDatabase(db);

  const second = await startBot({}, { dataDir: first.dataDir });
  try {
    const resumed = new DirectLineClient(second.url, client.token, client.conversationId);
    expect((await resumed.call('GET', `${resumed.path()}?watermark=`)).status).toBe(404);
    const deadline = Date.now() + 5000;
    while (existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(file)).toBe(false);
  } finally {
    await second.stop();
  }
});

test('proactive messages (an agent via continueConversationAsync) land in the conversation with their sender name', async () => {
  const client = await DirectLineClient.start(bot.url);
  await client.until((list) => list.length > 0);
  const reference = {
    channelId: 'webchat',
    serviceUrl: `${bot.url}/`,
    conversation: { id: client.conversationId, isGroup: false, conversationType: '', name: '' },
    bot: { id: 'seller-support-bot', name: '스마트스토어 고객센터' },
    user: { id: client.userId, name: '' },
  };
  await bot.app.channels.continueConversation(reference, async (context) => {
    await context.sendActivity({ type: 'typing' });
    // As the handoff hub does: the agent's name on from.name (set after botbuilder fills in `from`).
    context.onSendActivities(async (_ctx, activities, next) => {
      for (const a of activities) if (a.text?.startsWith('[상담사')) a.from = { ...a.from, id: a.from?.id ?? '', name: '민지' };
      return next();
    });
    await context.sendActivity({ type: 'message', text: '[상담사 민지] 안녕하세요' });
    await context.sendActivity({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.hero', content: { title: '복구 안내', buttons: [{ type: 'imBack', title: '상담사', value: '상담사' }] } }],
    });
  });
  await client.until((list) => list.some((a) => a.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.hero'));
  const types = client.activities.slice(-3).map((a) => a.type);
  expect(types).toEqual(['typing', 'message', 'message']);
  expect(client.activities.find((a) => a.text === '[상담사 민지] 안녕하세요')!.from).toEqual({ id: 'seller-support-bot', name: '민지', role: 'bot' });
});

test('new conversations are limited per client address (429 with Retry-After)', async () => {
  const fresh = await startBot();
  try {
    const results: number[] = [];
    for (let i = 0; i < 21; i++) {
      const res = await http(`${fresh.url}/v3/directline/tokens/generate`, { method: 'POST' });
      results.push(res.status);
      if (res.status === 429) {
        expect(res.body.code).toBe('TooManyRequests');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(results.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(results[20]).toBe(429);
  } finally {
    await fresh.stop();
  }
});

test('a restart keeps the conversation, its token and its watermark', async () => {
  const first = await startBot();
  const client = await DirectLineClient.start(first.url);
  await client.until((list) => list.length > 0);
  const id = await client.say('상품 삭제 어떻게 해요?');
  await client.repliesTo(id);
  const watermark = client.watermark;
  const count = client.activities.length;
  await first.stop({ keepData: true });

  const second = await startBot({}, { dataDir: first.dataDir });
  try {
    const resumed = new DirectLineClient(second.url, client.token, client.conversationId);
    const reconnect = await resumed.call('GET', `${resumed.path()}?watermark=${watermark}`);
    expect(reconnect.status).toBe(200);
    resumed.token = reconnect.body.token;
    // From the start: the whole history; from the old watermark: nothing new.
    const history = await resumed.call('GET', `${resumed.path('/activities')}?watermark=&wait=0`);
    expect(history.body.activities).toHaveLength(count);
    resumed.watermark = watermark;
    expect(await resumed.poll(0)).toEqual([]);
    const next = await resumed.say('운영 시간은요?');
    expect(Number(next.split('|')[1])).toBe(Number(watermark) + 1);
    expect((await resumed.repliesTo(next)).length).toBeGreaterThan(0);
  } finally {
    await second.stop();
  }
});

test('a reply sent while the server shuts down (after it stopped listening) is kept', async () => {
  const first = await startBot();
  const client = await DirectLineClient.start(first.url);
  await client.until((list) => list.length > 0);
  const reference = {
    channelId: 'webchat',
    serviceUrl: `${first.url}/`,
    conversation: { id: client.conversationId, isGroup: false, conversationType: '', name: '' },
    bot: { id: 'seller-support-bot', name: '스마트스토어 고객센터' },
    user: { id: client.userId, name: '' },
  };
  await new Promise<void>((resolve) => first.app.server.close(() => resolve()));
  await first.app.channels.continueConversation(reference, async (context) => {
    await context.sendActivity('마지막 답변');
  });
  await first.stop({ keepData: true });
  const second = await startBot({}, { dataDir: first.dataDir });
  try {
    const resumed = new DirectLineClient(second.url, client.token, client.conversationId);
    await resumed.until((list) => list.some((a) => a.text === '마지막 답변'));
  } finally {
    await second.stop();
  }
});

test('the page and Web Chat are served by the bot', async () => {
  const page = await fetch(`${bot.url}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  const html = await page.text();
  expect(html).toContain('<title>스마트스토어 고객센터</title>');
  expect(html).toMatch(/src="\/webchat\/webchat\.js\?v=4\.18\.1-/);
  expect(await (await fetch(`${bot.url}/?lang=en`)).text()).toContain('<title>SmartStore Customer Center</title>');
  const bundle = await fetch(`${bot.url}/webchat/webchat.js`, { headers: { 'accept-encoding': 'gzip' } });
  expect(bundle.status).toBe(200);
  expect(bundle.headers.get('content-type')).toContain('javascript');
  expect(bundle.headers.get('content-encoding')).toBe('gzip');
  expect((await bundle.text()).length).toBeGreaterThan(1_000_000);
});

describe('with Bot Framework credentials', () => {
  const credentials = {
    MicrosoftAppId: '00000000-0000-0000-0000-00000000b07a',
    MicrosoftAppPassword: 'not-a-real-password',
    AGENT_TOKENS: 'minji:minji-token-0123456789-abc',
  };

  test('the web chat is off unless LOCAL_WEBCHAT turns it on', async () => {
    const off = await startBot(credentials);
    try {
      expect((await fetch(`${off.url}/`)).status).toBe(404);
      expect((await http(`${off.url}/v3/directline/conversations`, { method: 'POST' })).status).toBe(404);
    } finally {
      await off.stop();
    }
  });

  test('with LOCAL_WEBCHAT=true the bot answers in-process, without asking Azure AD for a token', async () => {
    const on = await startBot({ ...credentials, LOCAL_WEBCHAT: 'true', LOCAL_WEBCHAT_SECRET: 'local-webchat-secret-0123456789' });
    try {
      const client = await DirectLineClient.start(on.url);
      await client.until((list) => list.some((a) => a.text === welcome), 15000);
      const id = await client.say('삭제한 상품 복구할 수 있나요?');
      expect((await client.repliesTo(id, 15000)).length).toBeGreaterThan(0);
      // /api/messages still wants a Bot Framework token.
      const unauthenticated = await http(`${on.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', channelId: 'webchat', serviceUrl: `${on.url}/`, conversation: { id: client.conversationId }, from: { id: 'x' }, text: 'hi' }),
      });
      expect(unauthenticated.status).toBe(401);
    } finally {
      await on.stop();
    }
  });
});
