// The pieces behind the limits, without a server: client addresses behind proxies, the configuration of
// the limits, and the retention purge (the rate limiter itself: tests/coordination).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrustedProxies, clientAddress, fromTrustedProxy, isAddressOrRange, normalizeAddress } from '../../bot/clientAddress';
import { ConfigError, loadConfig } from '../../bot/config';
import { createLogger } from '../../bot/logger';
import { Outbox } from '../../bot/outbox';
import { TimerJobs } from '../../bot/coordination/inProcess/jobs';
import { RetentionJob } from '../../bot/retention';
import { openSqliteStores } from '../../bot/storage/sqlite';

describe('client address behind proxies', () => {
  const req = (remoteAddress: string, forwardedFor?: string) => ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  });

  test('X-Forwarded-For is ignored unless the direct peer is a trusted proxy', () => {
    expect(clientAddress(req('198.51.100.7', '203.0.113.9'), [])).toBe('198.51.100.7');
    expect(clientAddress(req('198.51.100.7', '203.0.113.9'), ['10.0.0.1'])).toBe('198.51.100.7');
    expect(clientAddress(req('::ffff:198.51.100.7', '203.0.113.9'), [])).toBe('198.51.100.7');
    expect(fromTrustedProxy(req('198.51.100.7'), ['10.0.0.1'])).toBe(false);
  });

  test('behind trusted proxies: the nearest untrusted hop, read from the right (a client cannot prepend its way in)', () => {
    const trusted = ['10.0.0.0/8', '192.168.1.10'];
    expect(clientAddress(req('10.1.2.3', '203.0.113.9'), trusted)).toBe('203.0.113.9');
    // The client wrote "1.1.1.1" itself; the proxy appended the real address.
    expect(clientAddress(req('10.1.2.3', '1.1.1.1, 203.0.113.9'), trusted)).toBe('203.0.113.9');
    expect(clientAddress(req('192.168.1.10', '203.0.113.9, 10.0.0.5'), trusted)).toBe('203.0.113.9');
    expect(clientAddress(req('::ffff:10.1.2.3', '[2001:db8::1]:443'), trusted)).toBe('2001:db8::1');
    expect(clientAddress(req('10.1.2.3', '203.0.113.9:51234'), trusted)).toBe('203.0.113.9');
    // Nothing believable: the proxy itself stands for the client.
    expect(clientAddress(req('10.1.2.3'), trusted)).toBe('10.1.2.3');
    expect(clientAddress(req('10.1.2.3', 'unknown'), trusted)).toBe('10.1.2.3');
    expect(clientAddress(req('10.1.2.3', '<script>, 10.0.0.9'), trusted)).toBe('10.0.0.9');
    expect(fromTrustedProxy(req('10.200.0.1'), trusted)).toBe(true);
  });

  test('loopback, IPv6 ranges and normalisation', () => {
    const proxies = new TrustedProxies(['loopback', '2001:db8::/32']);
    expect(proxies.has('127.0.0.1')).toBe(true);
    expect(proxies.has('::ffff:127.0.0.2')).toBe(true);
    expect(proxies.has('::1')).toBe(true);
    expect(proxies.has('2001:db8:1::5')).toBe(true);
    expect(proxies.has('2001:db9::5')).toBe(false);
    expect(proxies.has('not an address')).toBe(false);
    expect(normalizeAddress('[fe80::1%eth0]')).toBe('fe80::1');
    expect(new TrustedProxies([]).has('127.0.0.1')).toBe(false);
  });

  test('TRUSTED_PROXIES is checked at start-up', () => {
    expect(['10.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32', 'loopback'].every(isAddressOrRange)).toBe(true);
    expect(['10.0.0.0/33', 'proxy.local', '10.0.0.1/8/1', '', '1.2.3.4/x'].some(isAddressOrRange)).toBe(false);
    expect(loadConfig({ DATA_DIR: tmpdir(), TRUSTED_PROXIES: '10.0.0.0/8, loopback' }).TRUSTED_PROXIES).toEqual(['10.0.0.0/8', 'loopback']);
    expect(() => loadConfig({ DATA_DIR: tmpdir(), TRUSTED_PROXIES: 'my-proxy' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: tmpdir(), TRUSTED_PROXIES: 'my-proxy' })).toThrow(/TRUSTED_PROXIES/);
  });

  test('rate-limit keys have defaults that let the load test through, and can be turned off', () => {
    const config = loadConfig({ DATA_DIR: tmpdir() });
    expect(config.RATE_LIMIT_PER_MINUTE).toBeGreaterThanOrEqual(10);
    expect(loadConfig({ DATA_DIR: tmpdir(), RATE_LIMIT_PER_MINUTE: '0' }).RATE_LIMIT_PER_MINUTE).toBe(0);
    expect(() => loadConfig({ DATA_DIR: tmpdir(), SIGNIN_RATE_LIMIT_PER_MINUTE: 'lots' })).toThrow(/SIGNIN_RATE_LIMIT_PER_MINUTE/);
  });
});

describe('retention (TRANSCRIPT_RETENTION_DAYS)', () => {
  const DAY = 86_400_000;
  const now = new Date('2026-06-01T00:00:00Z');
  const daysAgo = (n: number) => new Date(now.getTime() - n * DAY);

  test('purges old transcripts, finished handoffs, given-up outbox rows and idle web chats with their files; keeps the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'retention-'));
    try {
      const stores = openSqliteStores(':memory:');
      const { transcripts, handoff, webChat } = stores;
      const logger = createLogger('silent');
      const outbox = new Outbox({
        store: stores.outbox,
        logger,
        channels: { get: () => undefined },
        attemptTimeoutMs: 100,
        retryBaseMs: 100,
        retryMaxMs: 100,
        maxAgeMs: DAY,
      });
      const line = (conversationId: string, at: Date) =>
        transcripts.logActivity({ type: 'message', channelId: 'test', conversation: { id: conversationId } as never, from: { id: 'u', role: 'user' } as never, text: 'hi', timestamp: at });
      await line('old', daysAgo(40));
      await line('old', daysAgo(31));
      await line('recent', daysAgo(29));
      await line('recent', daysAgo(1));
      const summary = { topics: [], productNumber: null, lastMessage: null, messagesWhileWaiting: 0, attachments: 0 };
      const session = (id: string, at: Date) =>
        handoff.createSession({ conversationId: id, channelId: 'test', reason: 'requested', language: 'ko', queuedAt: at.toISOString(), summary, estimateMinutes: 5, position: 1 }, '260101').then((s) => s!);
      const oldClosed = await session('old-closed', daysAgo(45));
      await handoff.close(oldClosed.id, 'agent', daysAgo(44).toISOString(), ['waiting']);
      const oldWaiting = await session('old-waiting', daysAgo(45)); // still open: never purged
      const recentClosed = await session('recent-closed', daysAgo(3));
      await handoff.close(recentClosed.id, 'agent', daysAgo(2).toISOString(), ['waiting']);
      // An outbox row given up on long ago, and one still pending (never purged: it is still being retried).
      await outbox.store.add([
        { conversationId: 'o1', channelId: 'test', channel: 'test', address: '{}', activityId: 'gone', activity: '{}', createdAt: daysAgo(40).getTime() },
        { conversationId: 'o2', channelId: 'test', channel: 'test', address: '{}', activityId: 'pending', activity: '{}', createdAt: daysAgo(40).getTime() },
      ]);
      await outbox.store.fail((await outbox.store.head('test', 'o1'))!.id, 'gone');
      // Web chat: an idle conversation with an upload, and an active one.
      const uploads = join(dir, 'uploads');
      mkdirSync(uploads);
      writeFileSync(join(uploads, 'old-file.png'), 'x');
      await webChat.createConversation('wc-old', 'u1', 'ko-KR', daysAgo(50));
      await webChat.addUpload({ id: 'up1', conversationId: 'wc-old', name: 'a.png', contentType: 'image/png', size: 1, file: 'old-file.png', createdAt: daysAgo(50).toISOString() });
      await webChat.createConversation('wc-recent', 'u2', 'ko-KR', daysAgo(1));

      const job = new RetentionJob({ retentionDays: 30, logger, transcripts, handoff, outbox, webChat: { store: webChat, uploadsDir: uploads }, now: () => now });
      const result = await job.run();
      expect(result).toMatchObject({ transcriptLines: 2, outboxMessages: 1, webChatConversations: 1 });
      expect(result.handoffRecords).toBeGreaterThanOrEqual(1);
      expect(await transcripts.getRecentActivities('test', 'old', 10)).toEqual([]);
      expect(await transcripts.getRecentActivities('test', 'recent', 10)).toHaveLength(2);
      expect(await handoff.session(oldClosed.id)).toBeUndefined();
      expect((await handoff.session(oldWaiting.id))?.status).toBe('waiting');
      expect((await handoff.session(recentClosed.id))?.status).toBe('closed');
      expect(await outbox.store.pendingActivityIds('o2')).toEqual(['pending']);
      expect(await webChat.getConversation('wc-old')).toBeUndefined();
      expect(await webChat.getConversation('wc-recent')).toBeDefined();
      await new Promise((r) => setTimeout(r, 50)); // files are removed in the background
      expect(existsSync(join(uploads, 'old-file.png'))).toBe(false);
      // Nothing left to do the second time.
      expect(await job.run()).toMatchObject({ transcriptLines: 0, handoffRecords: 0, outboxMessages: 0, webChatConversations: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('runs at start and then on its interval, without keeping the process alive', async () => {
    jest.useFakeTimers();
    try {
      const runs: number[] = [];
      const transcripts = { deleteOlderThan: async () => (runs.push(1), 0) };
      const jobs = new TimerJobs(createLogger('silent'));
      jobs.add(new RetentionJob({ retentionDays: 30, logger: createLogger('silent'), transcripts, everyMs: 1000 }).job);
      jobs.start();
      expect(runs).toHaveLength(1);
      // A run is async (the stores are): the promises of each run settle between the timers.
      await jest.advanceTimersByTimeAsync(3000);
      expect(runs).toHaveLength(4);
      void jobs.stop();
      await jest.advanceTimersByTimeAsync(3000);
      expect(runs).toHaveLength(4);
    } finally {
      jest.useRealTimers();
    }
  });
});
