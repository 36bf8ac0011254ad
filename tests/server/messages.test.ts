// The server over real HTTP: both reply paths, bad input, the serviceUrl allow-list, ordering, restart.
import { loadKnowledge } from '../../knowledge';
import { ChannelServer } from '../support/channelServer';
import { type RunningBot, ask, message, post, startBot } from '../support/botServer';

const knowledge = loadKnowledge();
let bot: RunningBot;
let channel: ChannelServer;

beforeAll(async () => {
  channel = new ChannelServer();
  await channel.start();
  bot = await startBot();
});

afterAll(async () => {
  await bot.stop();
  await channel.stop();
});

test('GET /healthz answers 200 with JSON once the bot is ready', async () => {
  const res = await fetch(`${bot.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ status: 'ok' });
});

test('expectReplies: the answer comes back in the HTTP response', async () => {
  const replies = await ask(bot.url, 'conv-expect', '삭제한 상품 복구할 수 있나요?');
  expect(replies.join('\n')).toContain(knowledge.text('restore.policy', 'ko'));
});

test('serviceUrl: replies are posted to the channel', async () => {
  const res = await post(bot.url, '/api/messages', message('conv-channel', 'How do I delete a product?', { serviceUrl: channel.url }));
  expect(res.status).toBe(200);
  const received = await channel.waitForMessages('conv-channel', 1);
  expect(received.map((a) => a.text).join('\n')).toContain(knowledge.text('delete_product.steps', 'en'));
});

test('a turn that fails before the dialogs apologises in the language of the seller\'s locale', async () => {
  // The handoff check runs before SellerBot has worked out the language; make it fail once.
  const store = bot.app.hub.store;
  const openSession = store.openSession;
  store.openSession = () => {
    throw new Error('disk I/O error');
  };
  try {
    expect(await ask(bot.url, 'conv-fail-en', 'What are your hours?', { locale: 'en-US' })).toEqual([knowledge.text('turn_error', 'en')]);
    expect(await ask(bot.url, 'conv-fail-ko', '운영 시간 알려 주세요', { locale: 'ko-KR' })).toEqual([knowledge.text('turn_error', 'ko')]);
  } finally {
    store.openSession = openSession;
  }
  expect((await ask(bot.url, 'conv-fail-en', 'What are your hours?', { locale: 'en-US' })).join('\n')).toContain(knowledge.text('hours.always', 'en'));
});

describe('bad input gets a 4xx with a JSON message', () => {
  test.each([
    ['missing type', { ...message('c1', 'hi', { deliveryMode: 'expectReplies' }), type: undefined }],
    ['missing conversation', { ...message('c1', 'hi', { deliveryMode: 'expectReplies' }), conversation: undefined }],
    ['wrong field type', { ...message('c1', 'hi', { deliveryMode: 'expectReplies' }), text: 42 }],
    ['an array', [message('c1', 'hi')]],
  ])('%s → 400', async (_name, body) => {
    const res = await post(bot.url, '/api/messages', body);
    expect(res.status).toBe(400);
    expect(typeof res.body.message).toBe('string');
  });

  test('malformed JSON → 400', async () => {
    const res = await post(bot.url, '/api/messages', '{"type": "message",');
    expect(res.status).toBe(400);
    expect(res.body).toHaveProperty('message');
  });

  test('wrong content type → 415', async () => {
    const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(res.status).toBe(415);
    expect(await res.json()).toHaveProperty('message');
  });

  test('a body over the limit → 413', async () => {
    const res = await post(bot.url, '/api/messages', message('c-big', 'x'.repeat(1024 * 1024), { deliveryMode: 'expectReplies' }));
    expect(res.status).toBe(413);
  });

  test('missing serviceUrl without expectReplies → 400', async () => {
    const res = await post(bot.url, '/api/messages', message('c-nourl', '안녕하세요'));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/serviceUrl/);
  });

  test.each(['https://example.com/', 'file:///etc/passwd', 'http://10.0.0.1/'])('serviceUrl %s is refused in local mode', async (serviceUrl) => {
    const res = await post(bot.url, '/api/messages', message('c-foreign', '안녕하세요', { serviceUrl }));
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/ALLOWED_SERVICE_URLS/);
  });

  test('an unknown activity type is acknowledged and ignored', async () => {
    const res = await post(bot.url, '/api/messages', { ...message('c-unknown', 'x', { deliveryMode: 'expectReplies' }), type: 'holographicProjection' });
    expect(res.status).toBe(200);
    expect(res.body?.activities ?? []).toEqual([]);
  });

  test('the server still answers the next good request', async () => {
    expect((await ask(bot.url, 'c-after', '운영시간')).length).toBeGreaterThan(0);
  });
});

test('two messages of one conversation sent at once are answered in order', async () => {
  const id = 'conv-order';
  const first = post(bot.url, '/api/messages', message(id, '삭제한 상품 복구할 수 있나요?', { serviceUrl: channel.url }));
  const second = post(bot.url, '/api/messages', message(id, 'What are your hours?', { serviceUrl: channel.url }));
  expect((await Promise.all([first, second])).map((r) => r.status)).toEqual([200, 200]);
  const texts = channel.texts(id).join('\n');
  const restore = texts.indexOf(knowledge.text('restore.policy', 'ko'));
  const hours = texts.indexOf(knowledge.text('hours.always', 'en'));
  expect(restore).toBeGreaterThanOrEqual(0);
  expect(hours).toBeGreaterThan(restore);
});

describe('optional fields that are JSON null are treated as absent (as the Bot Framework SDKs read them)', () => {
  const nulls = { locale: null, entities: null, channelData: null, replyToId: null, timestamp: null, recipient: null };

  test('a screenshot with "text": null gets the normal reply to a picture', async () => {
    const replies = await ask(bot.url, 'conv-null-pic', '', {
      ...nulls,
      text: null,
      attachments: [{ contentType: 'image/png', contentUrl: 'http://127.0.0.1/shot.png', name: null, content: null }],
    });
    expect(replies.at(-1)).toBe(knowledge.text('non_text', 'ko'));
  });

  test('a question with every optional field null is answered, in its language', async () => {
    const replies = await ask(bot.url, 'conv-null-text', 'How do I delete a product?', { ...nulls, attachments: null, id: null, from: { id: 'seller-n', name: null, role: null } });
    expect(replies.join('\n')).toContain(knowledge.text('delete_product.steps', 'en'));
  });

  test.each([
    ['type', { type: null }],
    ['conversation', { conversation: null }],
    ['conversation.id', { conversation: { id: null } }],
    ['from', { from: null }],
    ['channelId', { channelId: null }],
  ])('a required %s that is null → 400', async (_name, override) => {
    const res = await post(bot.url, '/api/messages', { ...message('c-null-required', 'hi', { deliveryMode: 'expectReplies' }), ...override });
    expect(res.status).toBe(400);
    expect(typeof res.body.message).toBe('string');
  });
});
