// The PostgreSQL coordination ports (bot/coordination/postgres) against a real throwaway cluster, with two
// independent pools acting as two instances on one database.
import pg from 'pg';
import { type PostgresCoordination, postgresCoordination } from '../../bot/coordination/postgres';
import { PostgresTurnLock } from '../../bot/coordination/postgres/turnLock';
import { createLogger } from '../../bot/logger';
import { migrate } from '../../bot/storage/postgres/migrate';
import { createTestDatabase, describePostgres } from '../support/database';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describePostgres('PostgreSQL coordination, two instances on one database', () => {
  let url: string;
  let a: PostgresCoordination;
  let b: PostgresCoordination;
  let admin: pg.Client;
  let clock = Date.parse('2026-12-03T12:00:00Z');
  const warnings: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void warnings.push(line) });
  const instance = (name: string) =>
    postgresCoordination({ url, poolSize: 4, logger, now: () => new Date(clock), instance: name, pollMs: 300, heartbeatMs: 100 });

  beforeAll(async () => {
    url = await createTestDatabase();
    // Both start together on an empty database: the migration runs once, under its lock.
    [a, b] = await Promise.all([instance('A'), instance('B')]);
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), admin?.end()]);
  });

  test('migrations ran once; running them again does nothing', async () => {
    const { rows } = await admin.query('SELECT version FROM schema_version ORDER BY version');
    expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }]);
    await expect(migrate(a.pool)).resolves.toEqual([]);
  });

  describe('TurnLock', () => {
    test('one conversation runs one turn at a time across instances, handed over in the order the turns asked', async () => {
      const log: string[] = [];
      let running = 0;
      const turn = (name: string, until: Promise<unknown>) => async () => {
        running += 1;
        log.push(`${name} start (${running} running)`);
        await until;
        log.push(`${name} end`);
        running -= 1;
      };
      let otherDone!: () => void;
      const other = new Promise<void>((resolve) => (otherDone = resolve));
      // A1 holds the conversation until a turn of another conversation, on B, has run meanwhile.
      const first = a.turns.run('webchat\nc1', turn('A1', Promise.race([other, sleep(5_000)])));
      await sleep(40);
      const turns = [first, b.turns.run('webchat\nc1', turn('B1', sleep(30)))];
      await sleep(40);
      turns.push(a.turns.run('webchat\nc1', turn('A2', sleep(30))), b.turns.run('webchat\nc1', turn('B2', sleep(30))));
      await b.turns.run('webchat\nc2', turn('other', sleep(1)));
      otherDone();
      await Promise.all(turns);
      expect(log).toEqual([
        'A1 start (1 running)',
        'other start (2 running)',
        'other end',
        'A1 end',
        'B1 start (1 running)',
        'B1 end',
        'A2 start (1 running)',
        'A2 end',
        'B2 start (1 running)',
        'B2 end',
      ]);
    });

    test('a burst of busy conversations never takes the whole pool: other queries still run at once', async () => {
      let holding = 0;
      let most = 0;
      const turns = Array.from({ length: 12 }, (_, i) =>
        a.turns.run(`webchat\nburst${i % 4}`, async () => {
          most = Math.max(most, ++holding);
          await sleep(40);
          holding -= 1;
        }),
      );
      await sleep(20);
      const started = Date.now();
      await a.pool.query('SELECT 1');
      expect(Date.now() - started).toBeLessThan(200);
      await Promise.all(turns);
      expect(most).toBe(2); // half of the pool of 4
      expect(a.pool.totalCount).toBeLessThanOrEqual(4);
    });

    test('a failed turn rolls back and frees the lock; a holder whose connection dies frees it for the other instance', async () => {
      await expect(a.turns.run('webchat\nc3', async () => Promise.reject(new Error('turn failed')))).rejects.toThrow('turn failed');
      await expect(b.turns.run('webchat\nc3', async () => 'next')).resolves.toBe('next');

      let holderPid = 0;
      let release!: () => void;
      const holder = a.turns.run('webchat\nc4', async () => {
        holderPid = (PostgresTurnLock.current() as unknown as { processID: number }).processID;
        await new Promise<void>((resolve) => (release = resolve));
      });
      await waitFor(() => holderPid !== 0);
      const waiter = b.turns.run('webchat\nc4', async () => 'taken over');
      await sleep(50);
      await admin.query('SELECT pg_terminate_backend($1)', [holderPid]); // the holder's instance "crashed"
      await expect(waiter).resolves.toBe('taken over');
      release();
      await expect(holder).rejects.toThrow(); // its commit cannot happen: the lock was lost with the connection
    });
  });

  describe('EventBus', () => {
    test('an event published on A is seen on B (and A) in publish order; after B loses its listening connection and three more events, nothing is missing', async () => {
      const onB: number[] = [];
      const onA: number[] = [];
      b.events.topic<{ n: number }>('agents').subscribe(({ n }) => onB.push(n));
      a.events.topic<{ n: number }>('agents').subscribe(({ n }) => onA.push(n));
      b.events.topic<{ n: number }>('other').subscribe(({ n }) => onB.push(-n));
      const topic = a.events.topic<{ n: number }>('agents');
      const started = Date.now();
      await topic.publish({ n: 1 });
      await waitFor(() => onB.length === 1);
      expect(Date.now() - started).toBeLessThan(250); // woken by NOTIFY, not by the 300 ms poll
      await Promise.all([2, 3, 4].map((n) => topic.publish({ n })));
      await waitFor(() => onB.length === 4);

      const pid = b.events.listenerPid;
      expect(pid).toBeDefined();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      for (const n of [5, 6, 7]) await topic.publish({ n });
      await waitFor(() => onB.length === 7);
      await sleep(350); // one more poll: nothing arrives twice
      expect(onB).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(onA).toEqual([1, 2, 3, 4, 5, 6, 7]);
      await waitFor(() => b.events.listenerPid !== undefined && b.events.listenerPid !== pid);
    });

    test('an event whose transaction commits after a later one is delivered when it commits, once; a hole never blocks', async () => {
      const heard: string[] = [];
      b.events.topic<{ s: string }>('order').subscribe(({ s }) => heard.push(s));
      const slow = new pg.Client({ connectionString: url });
      await slow.connect();
      try {
        await slow.query('BEGIN');
        await slow.query(`INSERT INTO events (topic, message) VALUES ('order', '{"s":"earlier id"}')`);
        await a.events.topic<{ s: string }>('order').publish({ s: 'later id' });
        await waitFor(() => heard.length === 1, 1_000);
        expect(heard).toEqual(['later id']);
        await slow.query(`SELECT pg_notify('bot_events', '0')`);
        await slow.query('COMMIT');
        await waitFor(() => heard.length === 2);
        await a.events.topic<{ s: string }>('order').publish({ s: 'after' });
        await waitFor(() => heard.length === 3);
        await sleep(350); // a poll re-reads above the hole it had: nothing twice
        expect(heard).toEqual(['later id', 'earlier id', 'after']);
      } finally {
        await slow.end();
      }
    });

    test("published inside a turn, an event is heard when the turn's transaction commits, and not at all when it rolls back", async () => {
      const heard: string[] = [];
      b.events.topic<{ s: string }>('turn').subscribe(({ s }) => heard.push(s));
      const topic = a.events.topic<{ s: string }>('turn');
      await a.turns.run('webchat\nc5', async () => {
        await topic.publish({ s: 'in the turn' });
        await sleep(150);
        expect(heard).toEqual([]);
      });
      await waitFor(() => heard.length === 1);
      await expect(
        a.turns.run('webchat\nc5', async () => {
          await topic.publish({ s: 'rolled back' });
          throw new Error('turn failed');
        }),
      ).rejects.toThrow('turn failed');
      await topic.publish({ s: 'next' });
      await waitFor(() => heard.length === 2);
      expect(heard).toEqual(['in the turn', 'next']);
    });
  });

  describe('Presence', () => {
    test('an agent connected on A is online on B at once; gone when the last connection leaves; a dead instance drops out', async () => {
      const heardOnB: (readonly string[])[] = [];
      b.presence.onChange((agents) => heardOnB.push(agents));
      const first = await a.presence.connect('minji');
      const second = await a.presence.connect('minji');
      expect(a.presence.online()).toEqual(['minji']);
      await waitFor(() => b.presence.online().length === 1);
      const other = await b.presence.connect('junho');
      expect(b.presence.online()).toEqual(['minji', 'junho']);
      await first.leave();
      await sleep(150);
      expect(b.presence.online()).toEqual(['minji', 'junho']);
      await second.leave();
      await waitFor(() => b.presence.online().length === 1);
      expect(b.presence.online()).toEqual(['junho']);
      await other.leave();
      await waitFor(() => b.presence.online().length === 0 && a.presence.online().length === 0);
      expect(heardOnB).toEqual([['minji'], ['minji', 'junho'], ['junho'], []]);

      // An instance that stopped beating: its row ages out of every view.
      await admin.query(`INSERT INTO presence (instance, agent, seen_at) VALUES ('crashed', 'sora', now())`);
      await waitFor(() => b.presence.online().includes('sora'), 2_000);
      await admin.query(`UPDATE presence SET seen_at = now() - interval '1 minute' WHERE instance = 'crashed'`);
      await waitFor(() => !b.presence.online().includes('sora'), 2_000);
    });
  });

  describe('RateLimits', () => {
    test('one budget across instances, even under concurrent hits; the next window starts afresh', async () => {
      const rule = { limit: 5, windowMs: 60_000 };
      const onA = a.rateLimits.limit('signin', rule);
      const onB = b.rateLimits.limit('signin', rule);
      const verdicts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? onA : onB).take('10.0.0.1')));
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
      expect(await onA.check('10.0.0.1')).toEqual({ allowed: false, retryAfterSeconds: 60 });
      expect(await onB.take('10.0.0.2')).toEqual({ allowed: true }); // keys are separate
      expect(await b.rateLimits.limit('messages', rule).take('10.0.0.1')).toEqual({ allowed: true }); // so are limits
      clock += 45_000;
      expect(await onB.take('10.0.0.1')).toEqual({ allowed: false, retryAfterSeconds: 15 });
      clock += 15_000;
      expect(await onB.check('10.0.0.1')).toEqual({ allowed: true });
      expect(await onA.take('10.0.0.1')).toEqual({ allowed: true });
      expect(await a.rateLimits.limit('off', { limit: 0, windowMs: 1000 }).take('x')).toEqual({ allowed: true });
    });
  });

  test('nothing went wrong quietly', () => {
    // The listener's reconnect after the deliberate kill is the only expected warning.
    expect(warnings.filter((w) => !w.includes('event listener connection lost'))).toEqual([]);
  });
});
