// The outbox on its own, with a scripted channel: order per conversation, retries with the same activity
// id, capped exponential backoff, giving up (permanent refusals, too old), and resuming after a restart.
import { type Channel, DeliveryError } from '../../bot/channels/port';
import { TimerJobs } from '../../bot/coordination/inProcess/jobs';
import { createLogger } from '../../bot/logger';
import { Outbox, type OutboxOptions } from '../../bot/outbox';
import { type Database, openDatabase } from '../../bot/storage/sqlite/database';
import { SqliteOutbox } from '../../bot/storage/sqlite/outbox';

type Behaviour = 'ok' | 'fail' | 404 | 'hang';

/** A fake channel (the port's push): records what it took; `behaviour` decides how each call goes (default ok). */
class FakeChannel {
  readonly taken: { conversationId: string; id: string; text: string }[] = [];
  readonly calls: { conversationId: string; id: string; text: string }[] = [];
  behaviour: (call: { conversationId: string; text: string }) => Behaviour = () => 'ok';
  reach: Channel['reach'] = () => 'push';

  readonly push: Channel['push'] = async (address, activity, signal) => {
    const call = { conversationId: String(address.conversationId), id: String(activity.id), text: String(activity.text) };
    this.calls.push(call);
    await new Promise((r) => setImmediate(r));
    const how = this.behaviour(call);
    if (how === 'fail') throw new DeliveryError('503 Service Unavailable', false);
    if (how === 404) throw new DeliveryError('404 conversation gone', true);
    if (how === 'hang') return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    this.taken.push(call);
    return { id: `ch-${this.taken.length}` };
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The outbox's sweep on its timer, as the app's jobs run it. */
let jobs = new TimerJobs(createLogger('silent'));
afterEach(async () => {
  await jobs.stop();
  jobs = new TimerJobs(createLogger('silent'));
});
function startSweeping(outbox: Outbox): void {
  jobs.add(outbox.job);
  jobs.start();
}

function outboxOn(db: Database, channel: FakeChannel, options: Partial<OutboxOptions> = {}): Outbox {
  return new Outbox({
    store: new SqliteOutbox(db),
    logger: createLogger('silent'),
    channels: { get: (name) => (name === 'test' ? (channel as unknown as Channel) : undefined) },
    attemptTimeoutMs: 200,
    retryBaseMs: 40,
    retryMaxMs: 160,
    maxAgeMs: 60_000,
    ...options,
  });
}

const item = (conversationId: string, text: string, hold = false) => ({
  channel: 'test',
  conversationId,
  channelId: 'test',
  address: { conversationId },
  hold,
  activity: { type: 'message', text, conversation: { id: conversationId } as never },
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('delivered at once when the channel answers; undelivered ones are retried with the same id, in order, without overtaking', async () => {
  const db = openDatabase(':memory:');
  const channel = new FakeChannel();
  const outbox = outboxOn(db, channel);
  startSweeping(outbox);
  const delivered: string[] = [];
  outbox.onDelivered((e) => delivered.push(String(e.activity.text)));
  try {
    expect((await outbox.send([item('a', 'a1'), item('a', 'a2')], 500)).map((r) => r.delivered)).toEqual([true, true]);

    let down = true;
    channel.behaviour = (call) => (down && call.conversationId === 'a' ? 'fail' : 'ok');
    const [first] = await outbox.send([item('a', 'a3')], 500);
    expect(first!.delivered).toBe(false);
    // Sent while a3 is still undelivered: a4 waits behind it (it is not tried before a3), and so is b's unaffected.
    const [second] = await outbox.send([item('a', 'a4')], 500);
    expect(second!.delivered).toBe(false);
    expect((await outbox.send([item('b', 'b1')], 500))[0]!.delivered).toBe(true);
    const triedBeforeUp = channel.calls.filter((c) => c.conversationId === 'a' && c.text === 'a4');
    expect(triedBeforeUp).toEqual([]);
    expect(await outbox.pendingActivityIds('a')).toEqual([first!.activityId, second!.activityId]);

    down = false;
    await until(async () => (await outbox.pendingCounts()).size === 0, 'the retries');
    expect(channel.taken.filter((c) => c.conversationId === 'a').map((c) => c.text)).toEqual(['a1', 'a2', 'a3', 'a4']);
    // Every attempt of a3 carried the same id.
    expect(new Set(channel.calls.filter((c) => c.text === 'a3').map((c) => c.id))).toEqual(new Set([first!.activityId]));
    expect(channel.calls.filter((c) => c.text === 'a3').length).toBeGreaterThan(1);
    expect(delivered).toEqual(['a1', 'a2', 'b1', 'a3', 'a4']);
  } finally {
    await outbox.close();
  }
});

test('capped exponential backoff with jitter, counted on the oldest undelivered message', async () => {
  const db = openDatabase(':memory:');
  const channel = new FakeChannel();
  channel.behaviour = () => 'fail';
  let now = 1_000_000;
  let random = 1;
  const outbox = outboxOn(db, channel, { retryBaseMs: 1000, retryMaxMs: 8000, now: () => now, random: () => random });
  await outbox.send([item('c', 'c1')], 500);
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const head = (await outbox.store.head('test', 'c'))!;
    delays.push(head.next_attempt_at - now);
    now = head.next_attempt_at;
    outbox.sweep();
    await until(async () => (await outbox.store.head('test', 'c'))!.attempts === head.attempts + 1, 'the retry');
  }
  expect(delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  // Jitter: between half and all of the delay.
  random = 0;
  now = (await outbox.store.head('test', 'c'))!.next_attempt_at;
  outbox.sweep();
  await until(async () => (await outbox.store.head('test', 'c'))!.attempts === 8, 'the retry');
  expect((await outbox.store.head('test', 'c'))!.next_attempt_at - now).toBe(4000);
  // Not due yet: a sweep does not try.
  const calls = channel.calls.length;
  outbox.sweep();
  await sleep(20);
  expect(channel.calls.length).toBe(calls);
  await outbox.close();
});

test('a permanent refusal (404) or a message too old is given up; the conversation goes on with the next', async () => {
  const db = openDatabase(':memory:');
  const channel = new FakeChannel();
  let now = 0;
  const outbox = outboxOn(db, channel, { maxAgeMs: 10_000, now: () => now });
  channel.behaviour = (call) => (call.text === 'gone' ? 404 : 'ok');
  const results = await outbox.send([item('d', 'gone'), item('d', 'next')], 500);
  expect(results.map((r) => r.delivered)).toEqual([false, true]);
  expect(channel.taken.map((c) => c.text)).toEqual(['next']);

  channel.behaviour = () => 'fail';
  await outbox.send([item('e', 'old')], 500);
  now = 20_000; // older than maxAgeMs by the next attempt
  channel.behaviour = (call) => (call.text === 'old' ? 'fail' : 'ok');
  await outbox.send([item('e', 'new')], 500);
  expect((await outbox.pendingCounts()).size).toBe(0);
  expect(channel.taken.map((c) => c.text)).toEqual(['next', 'new']);
  expect(db.prepare(`SELECT COUNT(*) FROM outbox_messages WHERE status = 'failed'`).pluck().get()).toBe(2);
  await outbox.close();
});

test('an attempt that hangs is cut at attemptTimeoutMs; the sender is not held longer than it asked', async () => {
  const db = openDatabase(':memory:');
  const channel = new FakeChannel();
  channel.behaviour = () => 'hang';
  const outbox = outboxOn(db, channel, { attemptTimeoutMs: 1500 });
  const started = Date.now();
  const [result] = await outbox.send([item('h', 'h1')], 50);
  expect(result!.delivered).toBe(false);
  expect(Date.now() - started).toBeLessThan(1000); // the sender's own wait, not the attempt's
  channel.behaviour = () => 'ok';
  startSweeping(outbox);
  // The hanging attempt is aborted at 1.5 s, then retried: this time the channel takes it.
  await until(() => channel.taken.length === 1, 'delivery after the hang');
  expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  expect(new Set(channel.calls.map((c) => c.id)).size).toBe(1);
  await outbox.close();
});

test('after a restart, what was left undelivered is delivered from the table', async () => {
  const db = openDatabase(':memory:');
  const channel = new FakeChannel();
  channel.behaviour = () => 'fail';
  const before = outboxOn(db, channel);
  await before.send([item('r', 'r1'), item('r', 'r2')], 300);
  await before.close();
  expect(await before.pendingActivityIds('r')).toHaveLength(2);

  channel.behaviour = () => 'ok';
  const after = outboxOn(db, channel); // a new process on the same database
  startSweeping(after);
  await until(() => channel.taken.length === 2, 'the resumed delivery');
  expect(channel.taken.map((c) => c.text)).toEqual(['r1', 'r2']);
  await after.close();
});

test('reach next-message: rows are held, never tried on a timer or after a restart, until the channel takes them in the next turn', async () => {
  const db = openDatabase(':memory:');
  const channel = new FakeChannel();
  const before = outboxOn(db, channel);
  startSweeping(before);
  const held = await before.send([item('k', 'k1', true), item('k', 'k2', true)], 500);
  expect(held.map((r) => [r.delivered, r.held])).toEqual([
    [false, true],
    [false, true],
  ]);
  // Another conversation of the same channel is pushed as usual.
  expect((await before.send([item('p', 'p1')], 500))[0]!.delivered).toBe(true);
  await sleep(150); // several sweeps (retryBaseMs 40)
  expect(channel.calls.map((c) => c.text)).toEqual(['p1']);
  expect(await before.pendingActivityIds('k')).toEqual(held.map((r) => r.activityId));
  await before.close();

  const after = outboxOn(db, channel);
  startSweeping(after);
  const delivered: { text: unknown; retried: boolean }[] = [];
  after.onDelivered((e) => delivered.push({ text: e.activity.text, retried: e.retried }));
  await sleep(150);
  expect(channel.calls.map((c) => c.text)).toEqual(['p1']);
  // The seller writes: the channel takes them (in order, with their outbox ids) to answer in that turn.
  expect(await after.takeHeld('other', 'k')).toEqual([]);
  const taken = await after.takeHeld('test', 'k');
  expect(taken.map((a) => [a.text, a.id])).toEqual([
    ['k1', held[0]!.activityId],
    ['k2', held[1]!.activityId],
  ]);
  expect(delivered).toEqual([
    { text: 'k1', retried: true },
    { text: 'k2', retried: true },
  ]);
  expect((await after.pendingCounts()).size).toBe(0);
  expect(await after.takeHeld('test', 'k')).toEqual([]);
  await after.close();
});
