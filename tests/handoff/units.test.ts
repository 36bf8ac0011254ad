// The hub's pieces on their own: wait estimates, summaries, the durable store, agent credentials, and
// `handoff.status` acted on only over an authenticated channel.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Activity, ActivityTypes, TestAdapter, TurnContext } from 'botbuilder';
import type { Request } from 'restify';
import { loadConfig } from '../../bot/config';
import { Channels } from '../../bot/channels';
import { inProcessCoordination } from '../../bot/coordination';
import { AgentAuth, LOCAL_AGENT_NAME, LOCAL_TOKEN_FILE, localAgentToken } from '../../bot/handoff/agents/auth';
import { DEFAULT_HANDLING_MINUTES, estimateWaitMinutes, isMeaningfulImprovement, typicalHandlingMinutes } from '../../bot/handoff/estimate';
import { HandoffHub } from '../../bot/handoff/hub';
import { type SessionSummary, TRANSITIONS } from '../../bot/handoff/model';
import { buildSummary, describeSummary, extractProductNumber, withSellerMessage } from '../../bot/handoff/summary';
import { createLogger } from '../../bot/logger';
import { Outbox } from '../../bot/outbox';
import { openSqliteStores } from '../../bot/storage/sqlite';
import { IntentClassifier } from '../../intents/classifier';
import { loadKnowledge } from '../../knowledge';

const knowledge = loadKnowledge();
const classifier = IntentClassifier.fromProjectData();
const emptySummary: SessionSummary = { topics: [], productNumber: null, lastMessage: null, messagesWhileWaiting: 0, attachments: 0 };

describe('wait estimate', () => {
  test('5 minutes per seller until chats are measured, free agents take the first sellers at once', () => {
    expect(typicalHandlingMinutes([])).toBe(DEFAULT_HANDLING_MINUTES);
    expect(estimateWaitMinutes({ position: 1, agentsOnline: 0, activeChats: 0, handlingMinutes: 5 })).toBe(5);
    expect(estimateWaitMinutes({ position: 3, agentsOnline: 0, activeChats: 0, handlingMinutes: 5 })).toBe(15);
    expect(estimateWaitMinutes({ position: 1, agentsOnline: 2, activeChats: 0, handlingMinutes: 5 })).toBe(1);
    expect(estimateWaitMinutes({ position: 3, agentsOnline: 2, activeChats: 0, handlingMinutes: 5 })).toBe(5);
    expect(estimateWaitMinutes({ position: 3, agentsOnline: 2, activeChats: 2, handlingMinutes: 4 })).toBe(8);
  });

  test('recent chats count by their median, within 1–60 minutes', () => {
    expect(typicalHandlingMinutes([2, 3, 100])).toBe(3);
    expect(typicalHandlingMinutes([0.1, 0.2])).toBe(1);
    expect(typicalHandlingMinutes([90, 120])).toBe(60);
  });

  test('only meaningful position changes are told', () => {
    expect(isMeaningfulImprovement(null, 1)).toBe(false);
    expect(isMeaningfulImprovement(2, 1)).toBe(true); // the front
    expect(isMeaningfulImprovement(3, 2)).toBe(false);
    expect(isMeaningfulImprovement(4, 2)).toBe(true);
    expect(isMeaningfulImprovement(20, 18)).toBe(false); // 2 of 20 is not a quarter
    expect(isMeaningfulImprovement(20, 15)).toBe(true);
    expect(isMeaningfulImprovement(2, 3)).toBe(false);
  });
});

describe('summary', () => {
  test('product numbers with or without a label, never a mobile number', () => {
    expect(extractProductNumber('상품번호 1234567890 삭제가 안 돼요')).toBe('1234567890');
    expect(extractProductNumber('상품 번호는 12345-678 이에요')).toBe('12345678');
    expect(extractProductNumber('product no. 987654321')).toBe('987654321');
    expect(extractProductNumber('9876543210 이거요')).toBe('9876543210');
    expect(extractProductNumber('연락처 01012345678')).toBeNull();
    expect(extractProductNumber('3개 삭제했어요')).toBeNull();
  });

  test('topics from the classifier with menu labels, the last message, and updates while waiting', () => {
    const intents: Record<string, 'delete_product' | 'restore_product' | 'agent'> = {
      '상품 삭제 어떻게 해요?': 'delete_product',
      '복구도 되나요?': 'restore_product',
      상담사: 'agent',
    };
    const summary = buildSummary({ sellerTexts: Object.keys(intents), attachments: 0, classify: (t) => intents[t], menu: knowledge.menu });
    const label = (intent: string) => knowledge.menu.find((m) => m.intent === intent)!.label.ko;
    expect(summary.topics).toEqual([label('delete_product'), label('restore_product')]);
    expect(summary.lastMessage).toBe('상담사');
    const later = withSellerMessage(summary, '상품번호 5555555555 <b>안 지워져요</b>', 1);
    expect(later).toMatchObject({ productNumber: '5555555555', lastMessage: '상품번호 5555555555 <b>안 지워져요</b>', attachments: 1, messagesWhileWaiting: 1 });
    expect(describeSummary(later)).toContain('상품번호 5555555555');
    expect(describeSummary(emptySummary)).toBe('대화 내용 없음');
  });
});

describe('store', () => {
  const store = openSqliteStores(':memory:').handoff;
  const session = (conversationId: string, queuedAt: string) =>
    store.createSession({ conversationId, channelId: 'test', reason: 'requested', language: 'ko', queuedAt, summary: emptySummary, estimateMinutes: 5, position: 1 }, '260501');

  test('one open session per conversation, positions in queue order, one winner when accepting', async () => {
    const a = (await session('a', '2026-05-01T00:00:00.000Z'))!;
    const b = (await session('b', '2026-05-01T00:00:01.000Z'))!;
    expect(await session('a', '2026-05-01T00:00:02.000Z')).toBeUndefined();
    expect(a.caseNumber).toMatch(/^CS-260501-[2-9A-HJ-NP-Z]{4}$/);
    expect(await store.position(a)).toBe(1);
    expect(await store.position(b)).toBe(2);
    expect(await store.accept(a.id, '민지', '2026-05-01T00:01:00.000Z')).toBe(true);
    expect(await store.accept(a.id, '준호', '2026-05-01T00:01:00.000Z')).toBe(false);
    expect(await store.position((await store.session(b.id))!)).toBe(1);
    expect(await store.close(a.id, 'agent', '2026-05-01T00:04:00.000Z', ['active'])).toBe(true);
    expect((await store.recentHandlingMinutes())[0]).toBeCloseTo(3, 5);
  });

  test('a new request supersedes a missed one', async () => {
    const c = (await session('c', '2026-05-01T01:00:00.000Z'))!;
    expect(await store.markMissed(c.id, '2026-05-01T01:10:00.000Z')).toBe(true);
    expect((await store.missed('2026-05-01T00:00:00.000Z')).map((s) => s.conversationId)).toContain('c');
    const again = (await session('c', '2026-05-01T02:00:00.000Z'))!;
    expect(again.status).toBe('waiting');
    expect((await store.session(c.id))!.closedBy).toBe('superseded');
  });

  test('only the status changes of the transitions table happen', async () => {
    expect(TRANSITIONS).toEqual({ waiting: ['active', 'missed', 'closed'], active: ['closed'], missed: ['active', 'closed'], closed: [] });
    const d = (await session('d', '2026-05-01T03:00:00.000Z'))!;
    expect(await store.close(d.id, 'agent', '2026-05-01T03:01:00.000Z', ['active'])).toBe(false); // not active
    expect(await store.accept(d.id, '민지', '2026-05-01T03:01:00.000Z')).toBe(true);
    expect(await store.markMissed(d.id, '2026-05-01T03:02:00.000Z')).toBe(false); // active → missed
    expect(await store.markMissed(d.id, '2026-05-01T03:02:00.000Z', ['active'])).toBe(false); // not even when asked for
    expect(await store.close(d.id, 'agent', '2026-05-01T03:03:00.000Z')).toBe(true);
    expect(await store.accept(d.id, '준호', '2026-05-01T03:04:00.000Z', ['closed'])).toBe(false); // closed stays closed
    expect(await store.close(d.id, 'seller', '2026-05-01T03:04:00.000Z', ['closed'])).toBe(false);
    expect(await store.session(d.id)).toMatchObject({ status: 'closed', closedBy: 'agent', agent: '민지', closedAt: '2026-05-01T03:03:00.000Z' });
  });

  test('retention deletes finished sessions only', async () => {
    expect(await store.purgeBefore(new Date('2026-05-01T01:30:00.000Z'))).toBe(1); // the chat closed at 00:04
    expect(await store.latestSession('a')).toBeUndefined();
    expect((await store.openSession('b'))?.status).toBe('waiting');
    expect((await store.latestSession('c'))?.status).toBe('waiting');
  });
});

describe('agent credentials', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'handoff-auth-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const request = (headers: Record<string, string>) => ({ header: (name: string) => headers[name.toLowerCase()] }) as unknown as Request;

  test('local mode generates one token under DATA_DIR, kept across starts, readable by the owner only', () => {
    const first = localAgentToken(dataDir);
    expect(first.created).toBe(true);
    expect(first.token.length).toBeGreaterThanOrEqual(24);
    const again = localAgentToken(dataDir);
    expect(again).toMatchObject({ name: first.name, token: first.token, created: false });
    expect(readFileSync(join(dataDir, LOCAL_TOKEN_FILE), 'utf8').trim()).toBe(`${first.name}:${first.token}`);
    expect(statSync(join(dataDir, LOCAL_TOKEN_FILE)).mode & 0o077).toBe(0);
  });

  test('a token file from before, whose agent is "local", is read as the unnamed 상담사', () => {
    const old = mkdtempSync(join(tmpdir(), 'handoff-auth-old-'));
    try {
      writeFileSync(join(old, LOCAL_TOKEN_FILE), 'local:an-old-generated-token-0123\n');
      expect(localAgentToken(old)).toMatchObject({ name: LOCAL_AGENT_NAME, token: 'an-old-generated-token-0123', created: false });
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });

  test('bearer tokens and session cookies; AGENT_TOKENS replaces the local token', async () => {
    const config = loadConfig({ DATA_DIR: dataDir, AGENT_TOKENS: 'minji:token-of-minji-0123456789, junho:token-of-junho-0123456789' });
    const auth = new AgentAuth(config, openSqliteStores(':memory:').agentSessions, () => new Date());
    expect(auth.local).toBeUndefined();
    expect((await auth.credentialsOf(request({ authorization: 'Bearer token-of-junho-0123456789' })))?.agent).toBe('junho');
    expect((await auth.credentialsOf(request({ authorization: 'Bearer token-of-junho-01234567895' })))?.agent).toBeUndefined();
    expect((await auth.credentialsOf(request({ authorization: 'token-of-junho-0123456789' })))?.agent).toBeUndefined();
    expect((await auth.credentialsOf(request({})))?.agent).toBeUndefined();
    const session = (await auth.signIn('token-of-minji-0123456789'))!;
    expect((await auth.credentialsOf(request({ cookie: `other=1; agent_session=${session.sessionId}` })))?.agent).toBe('minji');
    expect((await auth.credentialsOf(request({ cookie: 'agent_session=forged' })))?.agent).toBeUndefined();
    expect(await auth.signIn('nope')).toBeUndefined();
    expect(AgentAuth.cookie('x', 60, false)).toMatch(/HttpOnly; SameSite=Strict$/);
  });
});

describe('handoff.status', () => {
  async function hubWith(env: Record<string, string>) {
    const dataDir = mkdtempSync(join(tmpdir(), 'handoff-status-'));
    const config = loadConfig({ DATA_DIR: dataDir, ...env });
    const stores = openSqliteStores(':memory:');
    const logger = createLogger('silent');
    const outbox = new Outbox({ store: stores.outbox, logger, channels: { get: () => undefined }, attemptTimeoutMs: 100, retryBaseMs: 100, retryMaxMs: 100, maxAgeMs: 86_400_000 });
    const hub = new HandoffHub({
      config,
      logger,
      knowledge,
      handoff: stores.handoff,
      agentSessions: stores.agentSessions,
      channels: new Channels(stores.references),
      transcripts: stores.transcripts,
      now: () => new Date('2026-05-01T03:00:00Z'),
      classifier,
      coordination: inProcessCoordination({ logger, now: () => new Date('2026-05-01T03:00:00Z') }),
      outbox,
    });
    await hub.store.createSession(
      { conversationId: 'conv', channelId: 'test', reason: 'requested', language: 'ko', queuedAt: '2026-05-01T02:59:00.000Z', summary: emptySummary, estimateMinutes: 5, position: 1 },
      '260501',
    );
    return { hub, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const statusEvent = (state: string): Partial<Activity> => ({
    type: ActivityTypes.Event,
    name: 'handoff.status',
    value: { state },
    channelId: 'test',
    conversation: { id: 'conv' } as Activity['conversation'],
    from: { id: 'omnichannel', name: 'Omnichannel' },
    recipient: { id: 'bot', name: 'Bot' },
  });
  async function deliver(hub: HandoffHub, adapter: TestAdapter, activity: Partial<Activity>, identity?: unknown) {
    const context = new TurnContext(adapter, activity);
    if (identity) context.turnState.set(adapter.BotIdentityKey, identity);
    let passed = false;
    await hub.sellerMiddleware()(context, async () => {
      passed = true;
    });
    return passed;
  }
  const authenticated = { isAuthenticated: true, authenticationType: 'https://api.botframework.com', claims: [] };
  const credentials = { MicrosoftAppId: 'app-id', MicrosoftAppPassword: 'secret', AGENT_TOKENS: 'minji:token-of-minji-0123456789', HANDOFF_MODE: 'both' };

  test('acted on over an authenticated channel', async () => {
    const { hub, cleanup } = await hubWith(credentials);
    try {
      const passed = await deliver(hub, new TestAdapter(), statusEvent('completed'), authenticated);
      expect(passed).toBe(false);
      expect(await hub.store.openSession('conv')).toBeUndefined();
      expect((await hub.store.latestSession('conv'))!.closedBy).toBe('protocol');
    } finally {
      cleanup();
    }
  });

  test('ignored without authentication, in local mode, or in hub mode', async () => {
    for (const [env, identity] of [
      [credentials, undefined],
      [credentials, { isAuthenticated: true, authenticationType: 'anonymous', claims: [] }],
      [{ HANDOFF_MODE: 'both' }, authenticated],
      [{ ...credentials, HANDOFF_MODE: 'hub' }, authenticated],
    ] as const) {
      const { hub, cleanup } = await hubWith(env);
      try {
        await deliver(hub, new TestAdapter(), statusEvent('completed'), identity);
        expect((await hub.store.openSession('conv'))?.status).toBe('waiting');
      } finally {
        cleanup();
      }
    }
  });
});
