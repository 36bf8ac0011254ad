// Two bot instances on one PostgreSQL database, through the paths sellers and agents use: A is the real
// server started by bot/index.ts with DATABASE_URL (as `npm start` runs it), B an in-process app on the
// same database. Stores and coordination are shared: the queue, agent events, presence, rate limits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PostgresCoordination, postgresCoordination } from '../../bot/coordination/postgres';
import { createLogger } from '../../bot/logger';
import { openPostgresStores } from '../../bot/storage/postgres';
import { shareGeneratedSecrets } from '../../bot/storage/postgres/secrets';
import { TOKEN_SECRET_FILE, newTokenSecret } from '../../bot/webchat/tokens';
import { AGENT_TOKENS, EventStream, JUNHO, MINJI, Seller, accept, sendAsAgent } from '../handoff/helpers';
import { type BotProcess, spawnBot } from '../support/botProcess';
import { type RunningBot, message, post, startBot } from '../support/botServer';
import { ChannelServer } from '../support/channelServer';
import { createTestDatabase, describePostgres } from '../support/database';
import { DirectLineClient } from '../webchat/directLineClient';

const ENV = { AGENT_TOKENS, RATE_LIMIT_PER_MINUTE: '3', FALLBACK_HANDOFF_AFTER: '0' };

describePostgres('two instances on one PostgreSQL database', () => {
  let channel: ChannelServer;
  let dataDir: string;
  let a: BotProcess;
  let b: RunningBot;
  let bCoordination: PostgresCoordination;
  let bDataDir: string;
  const streams: EventStream[] = [];

  beforeAll(async () => {
    const url = await createTestDatabase();
    channel = new ChannelServer();
    await channel.start();
    dataDir = mkdtempSync(join(tmpdir(), 'bot-pg-a-'));
    const startB = async () => {
      bCoordination = await postgresCoordination({ url, poolSize: 4, logger: createLogger('silent'), now: () => new Date() });
      // What bot/index.ts does before the app starts.
      bDataDir = mkdtempSync(join(tmpdir(), 'bot-pg-b-'));
      await shareGeneratedSecrets(bCoordination.pool, bDataDir, [{ file: TOKEN_SECRET_FILE, generate: newTokenSecret }]);
      b = await startBot({ ...ENV, DATABASE_URL: url }, { coordination: bCoordination, stores: openPostgresStores(bCoordination.pool), dataDir: bDataDir });
    };
    [a] = await Promise.all([spawnBot(dataDir, { ...ENV, DATABASE_URL: url, DATABASE_POOL_SIZE: '4' }), startB()]);
  });

  afterAll(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await a?.stop();
    await b?.stop();
    await bCoordination?.close();
    await channel?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('started from DATABASE_URL: the real server runs on PostgreSQL', () => {
    expect(a.output()).toMatch(/"database":"postgres".*bot listening/);
  });

  test('an agent online on B is online on A; a seller queued on A reaches the console on B within 500 ms; of two agents accepting at once on A and B one wins; the winner reaches the seller', async () => {
    const auth = (agent: { token: string }) => ({ authorization: `Bearer ${agent.token}` });
    const onB = await EventStream.open(b, auth(MINJI));
    streams.push(onB);
    const onA = await EventStream.open(a, auth(JUNHO));
    streams.push(onA);
    // Minji's presence row may land after Junho's hello; then an `agents` update follows at once.
    const both = (e: { event: string; data: { agents?: string[] } }) => ['hello', 'agents'].includes(e.event) && e.data.agents?.length === 2;
    const seen = onA.events.find(both) ?? (await onA.next(both, 1_000));
    expect(seen.data).toMatchObject({ agents: [MINJI.name, JUNHO.name] });

    const waiting = onB.next((e) => e.event === 'waiting' && e.data.conversationId === 'pg-seller');
    const seller = new Seller(a, channel, 'pg-seller');
    await seller.say('상담사 연결해 주세요');
    const queuedAt = Date.now();
    const event = await waiting;
    expect(Date.now() - queuedAt).toBeLessThan(500);
    expect(event.data).toMatchObject({ conversationId: 'pg-seller', position: 1, reason: 'requested' });

    // Two agents on two instances accept at once: one wins; both consoles hear it once.
    const acceptedOnA = onA.next((e) => e.event === 'accepted' && e.data.conversationId === 'pg-seller');
    const acceptedOnB = onB.next((e) => e.event === 'accepted' && e.data.conversationId === 'pg-seller');
    const [onBStatus, onAStatus] = (await Promise.all([accept(b, MINJI, 'pg-seller'), accept(a, JUNHO, 'pg-seller')])).map((r) => r.status);
    expect([onBStatus, onAStatus].sort()).toEqual([200, 409]);
    await Promise.all([acceptedOnA, acceptedOnB]);
    expect([...onA.events, ...onB.events].filter((e) => e.event === 'accepted')).toHaveLength(2);

    // The winner writes from the instance it is on; the seller (who talks to A) gets it.
    const winner = onBStatus === 200 ? { bot: b, agent: MINJI } : { bot: a, agent: JUNHO };
    const reply = seller.next(1);
    expect((await sendAsAgent(winner.bot, winner.agent, 'pg-seller', '안녕하세요')).status).toBe(200);
    expect(await reply).toEqual([`[상담사 ${winner.agent.name}] 안녕하세요`]);
  });

  test('a conversation has one message budget across both instances', async () => {
    const send = (bot: { url: string }, text: string) => post(bot.url, '/api/messages', message('pg-budget', text, { serviceUrl: channel.url }));
    const statuses = [];
    for (const [bot, text] of [[a, '안녕하세요'], [b, '상품 삭제'], [a, '고마워요'], [b, '또 있어요']] as const) statuses.push((await send(bot, text)).status);
    expect(statuses.slice(0, 3).every((s) => s === 200 || s === 202)).toBe(true);
    expect(statuses[3]).toBe(429);
  });

  test('a web chat started on A goes on from B: one signing secret, one conversation list', async () => {
    const onA = await DirectLineClient.start(a.url);
    await onA.say('상품 삭제 방법 알려주세요');
    const onB = new DirectLineClient(b.url, onA.token, onA.conversationId);
    const read = await onB.call('GET', `${onB.path('/activities')}?watermark=`);
    expect(read.status).toBe(200);
    expect(read.body.activities.some((activity: { text?: string }) => activity.text === '상품 삭제 방법 알려주세요')).toBe(true);
  });

  test('SIGTERM: the real server stops cleanly, closing its pool and listener (exit 0)', async () => {
    await a.stop();
    expect(a.child.exitCode).toBe(0);
    expect(a.stderr()).not.toMatch(/start-up failed|unhandled|Error:/i);
  });
});
