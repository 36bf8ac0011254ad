// With Bot Framework credentials set, /api/messages only accepts activities carrying a valid channel
// token, and the agent API only agents with a valid token. Offline: a local RSA key pair is served as
// OpenID metadata + JWKS on loopback (ToBotFromChannelOpenIdMetadataUrl), and the tokens are signed
// here with node:crypto, with the claims botframework-connector's channel validation checks:
// iss = ToBotFromChannelTokenIssuer, aud = MicrosoftAppId, serviceurl = the activity's serviceUrl,
// a kid found in the JWKS, and the channel id among the key's endorsements.
import { type KeyObject, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChannelServer } from '../support/channelServer';
import { type RunningBot, message, post, startBot } from '../support/botServer';

const APP_ID = '0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7';
const ISSUER = 'https://api.botframework.test';
const CHANNEL_ID = 'test';
const KID = 'local-test-key';
const AGENT = { name: 'alice', token: 'alice-agent-token-0123-4567' };

const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });

let openId: Server;
let openIdUrl = '';
let metadataRequests = 0;
let bot: RunningBot;
let channel: ChannelServer;
let consoleError: jest.SpyInstance;

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function jwt(payload: Record<string, unknown>, options: { key?: KeyObject; kid?: string; alg?: string; hmacSecret?: string } = {}): string {
  const header = { alg: options.alg ?? 'RS256', typ: 'JWT', kid: options.kid ?? KID };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  if (header.alg === 'none') return `${input}.`;
  if (options.hmacSecret !== undefined) return `${input}.${createHmac('sha256', options.hmacSecret).update(input).digest('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), options.key ?? signing.privateKey).toString('base64url')}`;
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: APP_ID, serviceurl: channel.url, nbf: now - 60, iat: now - 60, exp: now + 3600, ...overrides };
}

let sequence = 0;
function activity(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return message(`auth-${++sequence}`, '상품 삭제는 어떻게 하나요?', { channelId: CHANNEL_ID, serviceUrl: channel.url, deliveryMode: 'expectReplies', ...extra });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  // botframework-connector logs every rejected token with console.error; keep the test output readable.
  consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const jwk = signing.publicKey.export({ format: 'jwk' });
  openId = createServer((req, res) => {
    metadataRequests++;
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      res.end(JSON.stringify({ issuer: ISSUER, jwks_uri: `${openIdUrl}/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url === '/keys') {
      res.end(JSON.stringify({ keys: [{ ...jwk, kid: KID, use: 'sig', alg: 'RS256', endorsements: [CHANNEL_ID, 'webchat'] }] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => openId.listen(0, '127.0.0.1', resolve));
  openIdUrl = `http://127.0.0.1:${(openId.address() as AddressInfo).port}`;
  channel = new ChannelServer();
  await channel.start();
  bot = await startBot({
    MicrosoftAppId: APP_ID,
    MicrosoftAppPassword: 'not-a-real-secret',
    AGENT_TOKENS: `${AGENT.name}:${AGENT.token}`,
    ToBotFromChannelOpenIdMetadataUrl: `${openIdUrl}/.well-known/openid-configuration`,
    ToBotFromChannelTokenIssuer: ISSUER,
    // Low, so that the budget test below would see a 429 if rejected requests were counted.
    RATE_LIMIT_PER_MINUTE: '3',
  });
});

afterAll(async () => {
  await bot?.stop();
  await channel?.stop();
  openId?.closeAllConnections();
  await new Promise<void>((resolve) => (openId ? openId.close(() => resolve()) : resolve()));
  consoleError?.mockRestore();
});

function expectUnauthorized(res: { status: number; body: any }): void {
  expect(res.status).toBe(401);
  expect(res.body).toEqual(expect.objectContaining({ code: 'Unauthorized', message: expect.any(String) }));
}

describe('/api/messages with credentials', () => {
  test('the bot runs authenticated (not in local mode)', async () => {
    const res = await fetch(`${bot.url}/healthz`);
    expect(await res.json()).toMatchObject({ status: 'ok', localMode: false });
  });

  test('no Authorization header → 401 JSON', async () => {
    expectUnauthorized(await post(bot.url, '/api/messages', activity()));
  });

  test.each([
    ['empty bearer', 'Bearer '],
    ['not a JWT', 'Bearer not-a-jwt'],
    ['three garbage segments', 'Bearer abc.def.ghi'],
    ['wrong scheme', `Basic ${Buffer.from('user:pass').toString('base64')}`],
    ['token without a scheme', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln'],
    ['extra parts', 'Bearer a b c'],
    ['JSON that is not a JWT', `Bearer ${b64url('{"alg":"RS256"}')}.${b64url('[]')}.x`],
  ])('malformed token (%s) → 401 JSON', async (_name, header) => {
    expectUnauthorized(await post(bot.url, '/api/messages', activity(), { authorization: header }));
  });

  test('expired token → 401 JSON', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(claims({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 }));
    expectUnauthorized(await post(bot.url, '/api/messages', activity(), bearer(token)));
  });

  test('token not valid yet (nbf an hour ahead) → 401 JSON', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(claims({ nbf: now + 3600, exp: now + 7200 }));
    expectUnauthorized(await post(bot.url, '/api/messages', activity(), bearer(token)));
  });

  test('token signed by another key under the trusted kid → 401 JSON', async () => {
    const token = jwt(claims(), { key: attacker.privateKey });
    expectUnauthorized(await post(bot.url, '/api/messages', activity(), bearer(token)));
  });

  test('signature tampered with (payload changed after signing) → 401 JSON', async () => {
    const [header, , signature] = jwt(claims()).split('.');
    const forged = `${header}.${b64url(JSON.stringify(claims({ aud: APP_ID, serviceurl: channel.url, role: 'admin' })))}.${signature}`;
    expectUnauthorized(await post(bot.url, '/api/messages', activity(), bearer(forged)));
  });

  test('token signed with a key the metadata does not list → 401 JSON', async () => {
    const token = jwt(claims(), { key: attacker.privateKey, kid: 'unknown-key' });
    expectUnauthorized(await post(bot.url, '/api/messages', activity(), bearer(token)));
  });

  test('unsigned token (alg none) → 401 JSON', async () => {
    expectUnauthorized(await post(bot.url, '/api/messages', activity(), bearer(jwt(claims(), { alg: 'none' }))));
  });

  test('HS256 token "signed" with the public key as an HMAC secret → 401 JSON', async () => {
    const publicPem = signing.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expectUnauthorized(await post(bot.url, '/api/messages', activity(), bearer(jwt(claims(), { alg: 'HS256', hmacSecret: publicPem }))));
  });

  test('token for another bot (aud) → 401 JSON', async () => {
    expectUnauthorized(await post(bot.url, '/api/messages', activity(), bearer(jwt(claims({ aud: 'some-other-bot' })))));
  });

  test('token from another issuer → 401 JSON', async () => {
    expectUnauthorized(await post(bot.url, '/api/messages', activity(), bearer(jwt(claims({ iss: 'https://evil.example' })))));
  });

  test('serviceurl claim different from the activity serviceUrl → 401 JSON', async () => {
    const token = jwt(claims({ serviceurl: 'https://smba.trafficmanager.net/other/' }));
    expectUnauthorized(await post(bot.url, '/api/messages', activity(), bearer(token)));
  });

  test('channel the signing key is not endorsed for → 401 JSON', async () => {
    expectUnauthorized(await post(bot.url, '/api/messages', activity({ channelId: 'slack' }), bearer(jwt(claims()))));
  });

  test('a valid token is accepted: expectReplies answers in the response, nothing is posted to the channel', async () => {
    const started = Date.now();
    const res = await post(bot.url, '/api/messages', activity({ conversation: { id: 'auth-valid' } }), bearer(jwt(claims())));
    expect(res.status).toBe(200);
    const texts = (res.body.activities as { type: string; text?: string }[]).filter((a) => a.type === 'message').map((a) => a.text ?? '');
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.join('\n')).toMatch(/삭제/);
    // expectReplies needs no outbound call (no AAD token, no channel): it answers at once, offline.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(channel.received.get('auth-valid')).toBeUndefined();
    expect(metadataRequests).toBeGreaterThanOrEqual(2); // the keys really came from the loopback metadata
  });

  test('requests with bad tokens do not spend a conversation’s rate budget: the channel still gets through', async () => {
    const target = activity({ conversation: { id: 'auth-budget' } });
    for (let i = 0; i < 6; i++) {
      expectUnauthorized(await post(bot.url, '/api/messages', target, bearer(jwt(claims(), { key: attacker.privateKey }))));
    }
    const res = await post(bot.url, '/api/messages', target, bearer(jwt(claims())));
    expect(res.status).toBe(200);
  });

  test('the same valid token keeps working after all the rejections', async () => {
    const res = await post(bot.url, '/api/messages', activity(), bearer(jwt(claims())));
    expect(res.status).toBe(200);
  });
});

describe('agent API with credentials', () => {
  test.each([
    ['no token', {}],
    ['wrong token', bearer('not-the-agent-token')],
    ['channel token instead of an agent token', { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln' }],
    ['wrong scheme', { authorization: `Basic ${AGENT.token}` }],
  ])('GET /api/agent/queue with %s → 401 JSON', async (_name, headers: Record<string, string>) => {
    const res = await fetch(`${bot.url}/api/agent/queue`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(await res.json()).toEqual(expect.objectContaining({ code: 'Unauthorized', message: expect.any(String) }));
  });

  test('POST /api/agent/session with an unknown token → 401 JSON', async () => {
    const res = await post(bot.url, '/api/agent/session', { token: 'not-the-agent-token' });
    expectUnauthorized(res);
  });

  test('GET /api/agent/queue with the agent token → 200', async () => {
    const res = await fetch(`${bot.url}/api/agent/queue`, { headers: bearer(AGENT.token) });
    expect(res.status).toBe(200);
  });
});
