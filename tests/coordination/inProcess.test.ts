// The in-process implementations of the coordination ports (bot/coordination): what a shared backend
// must also do, checked on the one every single-instance deployment runs.
import { conversationKey, inProcessCoordination } from '../../bot/coordination';
import { TimerJobs } from '../../bot/coordination/inProcess/jobs';
import { FixedWindowLimit } from '../../bot/coordination/inProcess/rateLimits';
import { InProcessTurnLock } from '../../bot/coordination/inProcess/turnLock';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('TurnLock', () => {
  test('one key runs one work at a time, in call order; other keys run meanwhile; a failure does not block the next', async () => {
    const lock = new InProcessTurnLock();
    const log: string[] = [];
    let release!: () => void;
    const first = lock.run('a', async () => {
      log.push('a1 start');
      await new Promise<void>((resolve) => (release = resolve));
      log.push('a1 end');
      throw new Error('a1 failed');
    });
    const second = lock.run('a', async () => void log.push('a2'));
    await lock.run('b', async () => void log.push('b1'));
    expect(log).toEqual(['a1 start', 'b1']);
    release();
    await expect(first).rejects.toThrow('a1 failed');
    await second;
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    await lock.drain();
    expect(lock.active).toBe(0); // idle keys are forgotten
  });

  test('drain waits for work queued while it waits', async () => {
    const lock = new InProcessTurnLock();
    const done: string[] = [];
    void lock.run('a', async () => {
      await tick();
      void lock.run('b', async () => void done.push('b'));
      done.push('a');
    });
    await lock.drain();
    expect(done).toEqual(['a', 'b']);
  });

  test('keys include the channel: the same conversation id on two channels is two keys', () => {
    expect(conversationKey('webchat', 'x')).not.toBe(conversationKey('test', 'x'));
  });
});

describe('Presence', () => {
  test('agents are online while one of their connections is; listeners hear only changes of who', async () => {
    const { presence } = inProcessCoordination({ logger: console, now: () => new Date() });
    const heard: (readonly string[])[] = [];
    presence.onChange((agents) => heard.push(agents));
    const first = await presence.connect('minji');
    const second = await presence.connect('minji');
    const other = await presence.connect('junho');
    expect(presence.online()).toEqual(['minji', 'junho']);
    await first.leave();
    await first.leave(); // twice is once
    expect(presence.online()).toEqual(['minji', 'junho']);
    await second.leave();
    await other.leave();
    expect(presence.online()).toEqual([]);
    expect(heard).toEqual([['minji'], ['minji', 'junho'], ['junho'], []]);
  });
});

describe('EventBus', () => {
  test('a topic reaches its subscribers in publish order; other topics and unsubscribed listeners hear nothing', async () => {
    const { events } = inProcessCoordination({ logger: console, now: () => new Date() });
    const heard: string[] = [];
    const off = events.topic<{ n: number }>('one').subscribe(({ n }) => heard.push(`a${n}`));
    events.topic<{ n: number }>('one').subscribe(({ n }) => heard.push(`b${n}`));
    events.topic<{ n: number }>('two').subscribe(({ n }) => heard.push(`two${n}`));
    await events.topic<{ n: number }>('one').publish({ n: 1 });
    off();
    await events.topic<{ n: number }>('one').publish({ n: 2 });
    expect(heard).toEqual(['a1', 'b1', 'b2']);
  });
});

describe('Jobs', () => {
  afterEach(() => jest.useRealTimers());

  test('run at start when asked, then on their interval; a slow run is never overlapped; stop waits for it', async () => {
    jest.useFakeTimers();
    const errors: unknown[] = [];
    const jobs = new TimerJobs({ error: (data: unknown) => void errors.push(data) } as never);
    let runs = 0;
    let running = 0;
    let overlapped = false;
    jobs.add({
      name: 'slow',
      everyMs: 100,
      atStart: true,
      run: async () => {
        runs += 1;
        overlapped ||= running > 0;
        running += 1;
        await new Promise((resolve) => setTimeout(resolve, 250));
        running -= 1;
      },
    });
    let failures = 0;
    jobs.add({
      name: 'failing',
      everyMs: 100,
      run: () => {
        failures += 1;
        throw new Error('boom');
      },
    });
    jobs.start();
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(overlapped).toBe(false);
    expect(runs).toBe(4); // at 0, 300, 600 and 900 ms: the ticks in between found it still running
    expect(failures).toBe(10); // a failure is logged and the job keeps its schedule
    expect(errors[0]).toMatchObject({ job: 'failing', err: 'boom' });
    let stopped = false;
    const stopping = jobs.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(running).toBe(1);
    expect(stopped).toBe(false);
    await jest.advanceTimersByTimeAsync(300);
    await stopping;
    expect(running).toBe(0);
    const after = runs;
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(after);
  });
});

describe('RateLimit (fixed windows)', () => {
  test('`limit` hits per window, then refusals with the seconds until the next window; keys are independent', async () => {
    let now = 0;
    const limit = new FixedWindowLimit({ limit: 3, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) expect(await limit.take('a')).toEqual({ allowed: true });
    expect(await limit.take('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect((await limit.take('b')).allowed).toBe(true);
    now = 45_000;
    expect(await limit.take('a')).toEqual({ allowed: false, retryAfterSeconds: 15 });
    now = 60_000;
    expect((await limit.take('a')).allowed).toBe(true);
  });

  test('check() tells without counting; a steady `limit` per window always passes; 0 turns it off', async () => {
    let now = 0;
    const limit = new FixedWindowLimit({ limit: 2, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 5; i++) expect((await limit.check('a')).allowed).toBe(true);
    await limit.take('a');
    await limit.take('a');
    expect(await limit.check('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    const steady = new FixedWindowLimit({ limit: 60, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 600; i++, now += 1000) expect((await steady.take('k')).allowed).toBe(true);
    const off = new FixedWindowLimit({ limit: 0, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 100; i++) expect((await off.take('k')).allowed).toBe(true);
  });

  test('memory is bounded: past maxKeys the least recently used key is forgotten', async () => {
    const limit = new FixedWindowLimit({ limit: 1, windowMs: 60_000 }, () => 0, 100);
    for (let i = 0; i < 1000; i++) await limit.take(`k${i}`);
    expect(limit.size).toBe(100);
  });

  test('limits of different names count apart', async () => {
    const { rateLimits } = inProcessCoordination({ logger: console, now: () => new Date(0) });
    const rule = { limit: 1, windowMs: 60_000 };
    expect((await rateLimits.limit('one', rule).take('ip')).allowed).toBe(true);
    expect((await rateLimits.limit('one', rule).take('ip')).allowed).toBe(false);
    expect((await rateLimits.limit('two', rule).take('ip')).allowed).toBe(true);
  });
});
