// The store ports (bot/storage/ports.ts) as the rest of the bot sees them, the same tests on both
// backends: SQLite in a temp DATA_DIR and PostgreSQL in the run's throwaway cluster. What one backend
// does and the other does not is a failure here, so the two cannot drift apart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Activity, ConversationReference } from 'botbuilder';
import { type PostgresCoordination, postgresCoordination } from '../../bot/coordination/postgres';
import { createLogger } from '../../bot/logger';
import { createPool } from '../../bot/storage/postgres/pool';
import { migrate } from '../../bot/storage/postgres/migrate';
import { openPostgresStores } from '../../bot/storage/postgres';
import type { NewSession, Stores } from '../../bot/storage/ports';
import { openSqliteStores } from '../../bot/storage/sqlite';
import { createTestDatabase, describePostgres, postgresAvailable } from '../support/database';

interface Backend {
  stores: Stores;
  /** The same database opened again (a restart, or another instance). */
  reopen(): Promise<Stores>;
  close(): Promise<void>;
}

async function sqlite(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'store-ports-'));
  const opened: Stores[] = [];
  const open = async () => {
    const stores = openSqliteStores(join(dir, 'bot.sqlite'));
    opened.push(stores);
    return stores;
  };
  return {
    stores: await open(),
    reopen: open,
    async close() {
      for (const stores of opened) await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgres(): Promise<Backend> {
  const url = await createTestDatabase();
  const pools = [createPool(url, 4)];
  await migrate(pools[0]);
  return {
    stores: openPostgresStores(pools[0]),
    async reopen() {
      const pool = createPool(url, 4);
      pools.push(pool);
      return openPostgresStores(pool);
    },
    async close() {
      await Promise.all(pools.map((pool) => pool.end()));
    },
  };
}

const backends: [string, () => Promise<Backend>][] = [['SQLite', sqlite]];
if (postgresAvailable('store ports on PostgreSQL')) backends.push(['PostgreSQL', postgres]);

const AT = '2026-12-03T03:00:00.000Z';
const later = (minutes: number) => new Date(Date.parse(AT) + minutes * 60_000).toISOString();
const summary = { topics: ['상품 삭제'], productNumber: null, lastMessage: '상담사', messagesWhileWaiting: 0, attachments: 0 };
const request = (conversationId: string, queuedAt = AT): NewSession => ({
  conversationId,
  channelId: 'webchat',
  reason: 'requested',
  language: 'ko',
  queuedAt,
  summary,
  estimateMinutes: 2.5,
  position: 1,
});

describe.each(backends)('store ports on %s', (_name, make) => {
  let backend: Backend;
  let stores: Stores;

  beforeAll(async () => {
    backend = await make();
    stores = backend.stores;
  });

  afterAll(async () => {
    await backend?.close();
  });

  test('dialog state: eTags, conflicts, the exact JSON kept, deletes', async () => {
    const { dialogState } = stores;
    await dialogState.write({ a: { n: 1, text: '안녕\u0000' } });
    const read = await dialogState.read(['a', 'missing']);
    expect(Object.keys(read)).toEqual(['a']);
    expect(read.a).toMatchObject({ n: 1 });
    const eTag = read.a.eTag as string;
    await dialogState.write({ a: { n: 2, eTag } });
    await expect(dialogState.write({ a: { n: 3, eTag } })).rejects.toThrow(/eTag conflict/);
    expect((await dialogState.read(['a'])).a).toMatchObject({ n: 2 });
    await dialogState.writeJson('b', '{"z":1,"a":[2]}');
    expect(await dialogState.readJson('b')).toBe('{"z":1,"a":[2]}');
    await dialogState.delete(['a', 'b']);
    expect(await dialogState.read(['a', 'b'])).toEqual({});
  });

  test('transcripts: log order, recent activities, paging, retention; U+0000 in text is kept or replaced, never an error', async () => {
    const { transcripts } = stores;
    const activity = (n: number, conversation = 't1'): Partial<Activity> => ({
      type: 'message',
      channelId: 'webchat',
      conversation: { id: conversation } as Activity['conversation'],
      from: { id: 'seller', name: 'Seller', role: 'user' },
      text: `메시지 ${n}${n === 3 ? '\u0000' : ''}`,
      timestamp: new Date(Date.parse(AT) + (n === 2 ? -60_000 : n * 1000)), // a skewed clock: log order wins
    });
    await transcripts.logActivities([1, 2, 3].map((n) => activity(n)));
    await transcripts.logActivity(activity(4));
    await transcripts.logActivity(activity(1, 't2'));
    const texts = (await transcripts.getRecentActivities('webchat', 't1', 3)).map((a) => a.text?.replace('\uFFFD', '\u0000'));
    expect(texts).toEqual(['메시지 2', '메시지 3\u0000', '메시지 4']);
    const first = await transcripts.getTranscriptActivities('webchat', 't1');
    expect(first.items).toHaveLength(4);
    expect(first.items[0].timestamp).toEqual(new Date(Date.parse(AT) + 1000));
    expect((await transcripts.listTranscripts('webchat')).items.map((t) => t.id).sort()).toEqual(['t1', 't2']);
    expect(await transcripts.deleteOlderThan(new Date(Date.parse(AT) + 500))).toBe(1); // only the skewed one
    await transcripts.deleteTranscript('webchat', 't2');
    expect((await transcripts.getTranscriptActivities('webchat', 't2')).items).toEqual([]);
  });

  test('references: saved per channel id and conversation; an untrusted activity cannot move it to another origin', async () => {
    const { references } = stores;
    const reference = { channelId: 'test', conversation: { id: 'r1' } as ConversationReference['conversation'], serviceUrl: 'http://a.example', activityId: 'x1' };
    expect(await references.save(reference, { channel: 'botframework', origin: 'http://a.example', trusted: false })).toBe(true);
    expect(await references.save({ ...reference, serviceUrl: 'http://b.example' }, { origin: 'http://b.example', trusted: false })).toBe(false);
    expect(await references.lookup('test', 'r1')).toEqual({ channel: 'botframework', reference: { channelId: 'test', conversation: { id: 'r1' }, serviceUrl: 'http://a.example' } });
    expect(await references.get('other', 'r1')).toBeUndefined();
    expect(await references.save({ ...reference, serviceUrl: 'http://b.example' }, { origin: 'http://b.example', trusted: true })).toBe(true);
    expect((await references.get('test', 'r1'))?.serviceUrl).toBe('http://b.example');
  });

  test('handoff: one open session per conversation, compare-and-set transitions, queue order and positions', async () => {
    const { handoff } = stores;
    const first = await handoff.createSession(request('h1'), '261203');
    expect(first).toMatchObject({ conversationId: 'h1', status: 'waiting', queuedAt: AT, summary, estimateMinutes: 2.5, sellerAcked: false });
    expect(first!.caseNumber).toMatch(/^CS-261203-[2-9A-HJ-NP-Z]{4}$/);
    expect(await handoff.createSession(request('h1'), '261203')).toBeUndefined();
    const second = (await handoff.createSession(request('h2', later(1)), '261203'))!;
    expect(await handoff.position(second)).toBe(2);
    expect((await handoff.waiting()).map((s) => s.conversationId)).toEqual(['h1', 'h2']);

    // Five agents accept at once: one wins.
    const wins = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((agent) => handoff.accept(first!.id, agent, later(2), ['waiting'])));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await handoff.openSession('h1')).toMatchObject({ status: 'active', acceptedAt: later(2) });
    expect(await handoff.close(first!.id, 'agent', later(12), ['active'])).toBe(true);
    expect(await handoff.close(first!.id, 'agent', later(13), ['active'])).toBe(false);
    const minutes = await handoff.recentHandlingMinutes();
    expect(minutes).toHaveLength(1);
    expect(minutes[0]).toBeCloseTo(10, 5); // SQLite's julianday arithmetic is a few microseconds off
    expect(await handoff.markMissed(second.id, later(20), ['waiting'])).toBe(true);
    expect((await handoff.missed(AT)).map((s) => s.id)).toEqual([second.id]);
    await handoff.update(second.id, { sellerAcked: true, lastNotifiedAt: later(3), summary: { ...summary, attachments: 1 } });
    expect(await handoff.session(second.id)).toMatchObject({ sellerAcked: true, lastNotifiedAt: later(3), summary: { attachments: 1 } });
    // A new request supersedes the missed one.
    const again = (await handoff.createSession(request('h2', later(30)), '261203'))!;
    expect(await handoff.session(second.id)).toMatchObject({ status: 'closed', closedBy: 'superseded' });
    expect((await handoff.latestSession('h2'))?.id).toBe(again.id);
    expect(await handoff.knows('h2')).toBe(true);
    expect(await handoff.knows('nobody')).toBe(false);
  });

  test('handoff: tickets from draft to open to answered, agent messages, retention', async () => {
    const { handoff } = stores;
    const draft = await handoff.createDraftTicket('k1', 'webchat', 'ko', AT, '261203');
    expect(await handoff.draftTicket('k1')).toMatchObject({ id: draft.id, status: 'draft' });
    expect(await handoff.knows('k1')).toBe(false);
    const saved = await handoff.saveTicket(draft.id, '환불 문의\u0000', [{ name: 'a.png', contentType: 'image/png', size: 3, url: 'u' } as never], later(1));
    expect(saved).toMatchObject({ status: 'open', savedAt: later(1) });
    expect(await handoff.saveTicket(draft.id, 'again', [], later(2))).toBeUndefined();
    expect((await handoff.ticketByCase(draft.caseNumber))?.attachments).toHaveLength(1);
    expect((await handoff.openTicketsOf('k1')).map((t) => t.id)).toEqual([draft.id]);
    expect(await handoff.setTicketStatus(draft.id, 'answered')).toBe(true);
    expect(await handoff.setTicketStatus(draft.id, 'dismissed')).toBe(false);
    const message = await handoff.addAgentMessage('k1', null, '민지', '안녕하세요', later(2));
    expect(message).toMatchObject({ conversationId: 'k1', agent: '민지', delivered: false, createdAt: later(2) });
    await handoff.markDelivered(message.id);
    expect((await handoff.agentMessages('k1')).map((m) => m.delivered)).toEqual([true]);
    expect(await handoff.purgeBefore(new Date(later(60)))).toBeGreaterThanOrEqual(2);
    expect(await handoff.ticketById(draft.id)).toBeUndefined();
  });

  test('agent sessions: found by digest, expired ones dropped, renamed', async () => {
    const { agentSessions } = stores;
    await agentSessions.create({ idDigest: 'old', agent: '민지', tokenDigest: 't', createdAt: AT, expiresAt: later(1) });
    await agentSessions.create({ idDigest: 'new', agent: '민지', tokenDigest: 't', createdAt: later(2), expiresAt: later(60) });
    expect(await agentSessions.find('old')).toBeUndefined();
    await agentSessions.renameAgent('민지', '민지2');
    expect(await agentSessions.find('new')).toEqual({ idDigest: 'new', agent: '민지2', tokenDigest: 't', createdAt: later(2), expiresAt: later(60) });
    await agentSessions.delete('new');
    expect(await agentSessions.find('new')).toBeUndefined();
  });

  test('outbox: rows in order, the head decides, held rows taken in a turn, retries and give-ups', async () => {
    const { outbox } = stores;
    const row = (n: number, held = false) => ({
      conversationId: 'o1',
      channelId: 'test',
      channel: 'botframework',
      address: '{"serviceUrl":"http://a.example","audience":null}',
      held,
      activityId: `o1-${n}`,
      activity: JSON.stringify({ type: 'message', text: `${n}\u0000` }),
      createdAt: 1_764_730_800_000 + n,
    });
    const ids = await outbox.add([row(1), row(2), row(3)]);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const head = (await outbox.head('botframework', 'o1'))!;
    expect(head).toMatchObject({ id: ids[0], activity_id: 'o1-1', held: 0, status: 'pending', attempts: 0, created_at: 1_764_730_800_001 });
    expect(head.address).toBe(row(1).address);
    expect(await outbox.dueConversations(1_764_730_800_001, 10)).toEqual([{ channel: 'botframework', conversationId: 'o1' }]);
    await outbox.retry(ids[0], 1_764_730_900_000, 'down');
    expect(await outbox.dueConversations(1_764_730_800_500, 10)).toEqual([]);
    expect((await outbox.head('botframework', 'o1'))).toMatchObject({ attempts: 1, next_attempt_at: 1_764_730_900_000, last_error: 'down' });
    await outbox.delivered(ids[0]);
    await outbox.fail(ids[1], 'refused');
    expect(await outbox.pendingActivityIds('o1')).toEqual(['o1-3']);
    expect(await outbox.pendingCounts()).toEqual(new Map([['o1', 1]]));
    expect(await outbox.pendingByAddress()).toEqual([{ channel: 'botframework', address: row(1).address, n: 1 }]);
    const held = await outbox.add([{ ...row(4, true), conversationId: 'o2' }, { ...row(5, true), conversationId: 'o2' }]);
    expect(await outbox.dueConversations(Number.MAX_SAFE_INTEGER, 10)).toEqual([{ channel: 'botframework', conversationId: 'o1' }]);
    expect((await outbox.takeHeld('botframework', 'o2')).map((r) => r.id)).toEqual(held);
    expect(await outbox.takeHeld('botframework', 'o2')).toEqual([]);
    expect(await outbox.purgeFailedBefore(new Date(1_764_730_800_010))).toBe(1);
  });

  test('web chat: watermarks in order, ended conversations refuse appends, uploads, idle purge', async () => {
    const { webChat } = stores;
    const now = new Date(AT);
    await webChat.createConversation('w1', 'u1', 'ko-KR', now);
    expect(await webChat.markStarted('w1', undefined, now)).toBe(true);
    expect(await webChat.markStarted('w1', undefined, now)).toBe(false);
    const appended = await Promise.all([1, 2, 3].map((n) => webChat.append('w1', { type: 'message', text: `${n}` }, now)));
    expect(appended.map((a) => a!.seq).sort()).toEqual([1, 2, 3]);
    expect((await webChat.activitiesAfter('w1', 1)).map((a) => a.activity.id)).toEqual(['w1|0000002', 'w1|0000003']);
    expect(await webChat.hasActivity('w1', 'w1|0000003')).toBe(true);
    expect(await webChat.hasActivity('w1', 'w1|99999999999')).toBe(false);
    expect(await webChat.getConversation('w1')).toMatchObject({ userId: 'u1', locale: 'ko-KR', createdAt: AT, startedAt: AT, endedAt: null, lastSeq: 3 });
    expect(await webChat.append('nope', { type: 'message' }, now)).toBeUndefined();
    await webChat.addUpload({ id: 'up1', conversationId: 'w1', name: 'a.png', contentType: 'image/png', size: 3, file: 'f1', createdAt: AT });
    expect(await webChat.getUpload('up1')).toMatchObject({ conversationId: 'w1', createdAt: AT });
    expect(await webChat.purgeIdleSince(new Date(later(1)))).toEqual({ conversations: 1, files: ['f1'] });
    expect(await webChat.getConversation('w1')).toBeUndefined();
  });

  test('KakaoTalk mailbox: appended in order up to a cap, a repeated push kept once, what did not fit goes back in front; one ring per burst', async () => {
    const { kakao } = stores;
    const say = (text: string, id?: string) => ({ type: 'message', text, ...(id ? { id } : {}) });
    expect(await kakao.append('k', [say('1', 'a1'), say('2')], 5, 1000)).toBe(true);
    expect(await kakao.append('k', [say('1 again', 'a1'), say('3')], 5, 1001)).toBe(true);
    expect(await kakao.append('k', [say('4'), say('5'), say('6')], 5, 1002)).toBe(false);
    const waiting = await kakao.pending('k');
    expect(waiting.map((p) => p.activity.text)).toEqual(['1', '2', '3']);
    await kakao.settle('k', waiting.map((p) => p.id), [say('2b')]);
    await kakao.append('k', [say('4')], 5);
    expect((await kakao.pending('k')).map((p) => p.activity.text)).toEqual(['2b', '4']);
    await kakao.seen('k', { development: true, plusfriendUserKey: 'pf' }, 1000);
    await kakao.setLanguage('k', 'en');
    expect(await kakao.claimRing('k', 2000)).toBe(true);
    expect(await kakao.claimRing('k', 2001)).toBe(false);
    await kakao.ringAccepted('k', 'task-1');
    expect(await kakao.user('k')).toEqual({ userKey: 'k', development: true, language: 'en', rungAt: 2000, taskId: 'task-1' });
    await kakao.clearRing('k');
    expect((await kakao.user('k'))?.rungAt).toBeUndefined();
    expect(await kakao.purgeBefore(new Date(1001))).toBe(0);
    expect(await kakao.user('nobody')).toBeUndefined();
  });

  test('TalkTalk inbox: events in order per conversation, a given-up one kept aside; chat owners', async () => {
    const { talkTalk } = stores;
    const first = await talkTalk.addEvent('tt1', '{"event":"send","n":1}', 5000);
    await talkTalk.addEvent('tt2', '{"event":"send"}', 5001);
    const second = await talkTalk.addEvent('tt1', '{"event":"send","n":2}', 5002);
    expect(await talkTalk.pendingConversations()).toEqual(['tt1', 'tt2']);
    await talkTalk.startEvent(first);
    expect(await talkTalk.nextEvent('tt1')).toEqual({ id: first, conversationId: 'tt1', event: '{"event":"send","n":1}', receivedAt: 5000, attempts: 1 });
    await talkTalk.finishEvent(first);
    await talkTalk.finishEvent(second, 'gave up');
    expect(await talkTalk.nextEvent('tt1')).toBeUndefined();
    expect(await talkTalk.pendingCount('tt1')).toBe(0);
    expect(await talkTalk.thread('tt1')).toEqual({ owner: 'bot' });
    await talkTalk.setThread('tt1', { owner: 'partner', caseNumber: 'CS-1', language: 'en' });
    expect(await talkTalk.thread('tt1')).toEqual({ owner: 'partner', caseNumber: 'CS-1', language: 'en' });
  });

  test('what one instance (or a restart) stored, another reads', async () => {
    const other = await backend.reopen();
    await stores.dialogState.writeJson('shared', '{"n":1}');
    expect(await other.dialogState.readJson('shared')).toBe('{"n":1}');
    const session = (await stores.handoff.createSession(request('shared'), '261203'))!;
    expect(await other.handoff.accept(session.id, '민지', later(1), ['waiting'])).toBe(true);
    expect(await stores.handoff.accept(session.id, '준호', later(1), ['waiting'])).toBe(false);
  });
});

describePostgres('a turn on PostgreSQL is one transaction', () => {
  let coordination: PostgresCoordination;
  let stores: Stores;

  beforeAll(async () => {
    coordination = await postgresCoordination({ url: await createTestDatabase(), poolSize: 4, logger: createLogger('silent'), now: () => new Date() });
    stores = openPostgresStores(coordination.pool);
  });

  afterAll(async () => {
    await coordination?.close();
  });

  /** A turn as the channels run it: the turn lock, then the unit of work inside it. */
  const turn = (work: () => Promise<void>) => coordination.turns.run('test\nu1', () => stores.unitOfWork.run('test\nu1', work));

  test("its writes are seen by others only when it commits, and not at all when it fails, even if the lock's work goes on", async () => {
    let seenDuring: unknown;
    await turn(async () => {
      await stores.dialogState.writeJson('u1', '{"step":1}');
      await stores.handoff.addAgentMessage('u1', null, '민지', '안녕하세요', AT);
      seenDuring = await coordination.pool.query(`SELECT 1 FROM storage WHERE key = 'u1'`).then((r) => r.rowCount);
    });
    expect(seenDuring).toBe(0);
    expect(await stores.dialogState.readJson('u1')).toBe('{"step":1}');

    // The unit of work fails; the turn lock's own work catches it (as a turn-error handler would).
    await coordination.turns.run('test\nu1', async () => {
      await expect(
        stores.unitOfWork.run('test\nu1', async () => {
          await stores.dialogState.writeJson('u1', '{"step":2}');
          await stores.handoff.addAgentMessage('u1', null, '민지', '실패한 턴', AT);
          throw new Error('turn failed');
        }),
      ).rejects.toThrow('turn failed');
      await stores.handoff.addAgentMessage('u1', null, '민지', '오류 안내', AT);
    });
    expect(await stores.dialogState.readJson('u1')).toBe('{"step":1}');
    expect((await stores.handoff.agentMessages('u1')).map((m) => m.text)).toEqual(['안녕하세요', '오류 안내']);
  });
});
