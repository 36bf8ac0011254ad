// Time in the handoff, with an injected clock: position updates, the "taking longer" notice, time-outs
// (fractional minutes), business hours and offline tickets. One real-time check of a 0.01-minute time-out, in a child process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKnowledge } from '../../knowledge';
import { ChannelServer } from '../support/channelServer';
import { type RunningBot, startBot } from '../support/botServer';
import { AGENT_TOKENS, EventStream, MINJI, Seller, accept, closeAsAgent, ko, queue, spawnBot } from './helpers';

const k = loadKnowledge();
const waitKo = (minutes: number) => ko('handoff.wait_minutes', { minutes });
const alternativesLine = k.channels.find((c) => c.id === 'inquiry')!.name.ko;

let channel: ChannelServer;
beforeAll(async () => {
  channel = new ChannelServer();
  await channel.start();
});
afterAll(async () => {
  await channel?.stop();
});

describe('with an injected clock (open Mon–Fri 09:00–18:00 Seoul time, time-out 7.5 minutes)', () => {
  let bot: RunningBot;
  let clock = new Date('2026-05-04T10:00:00+09:00'); // a Monday
  const advance = (minutes: number) => (clock = new Date(clock.getTime() + minutes * 60_000));

  beforeAll(async () => {
    bot = await startBot({ AGENT_TOKENS, SUPPORT_HOURS: 'mon-fri 09:00-18:00', HANDOFF_TIMEOUT_MINUTES: '7.5' }, { now: () => clock });
  });
  afterAll(async () => {
    await bot?.stop();
  });

  test('position updates, one "taking longer" notice, then a time-out that leaves the request visible as missed', async () => {
    const first = new Seller(bot, channel, 'timing-first');
    const second = new Seller(bot, channel, 'timing-second');
    // Nobody has the console open: the place in line, and no minutes the next sentence would contradict.
    const queuedText = (replies: string[]) => replies.find((t) => t.includes(ko('handoff.invite_details'))) ?? '';
    expect(queuedText(await first.say('상담사')).startsWith(ko('handoff.queued_no_agents', { position: '첫 번째' }))).toBe(true);
    const secondQueued = queuedText(await second.say('상담사'));
    expect(secondQueued.startsWith(ko('handoff.queued_no_agents', { position: '두 번째' }))).toBe(true);
    expect(secondQueued).not.toContain(`약 ${waitKo(10)}`);

    // 5½ minutes: past the first seller's estimate (once), not the second's
    advance(5.5);
    await bot.app.hub.tick();
    expect(first.texts().at(-1)).toBe(ko('handoff.wait_exceeded'));
    const secondBefore = second.texts().length;
    advance(0.5);
    await bot.app.hub.tick();
    expect(first.texts().filter((t) => t === ko('handoff.wait_exceeded'))).toHaveLength(1);
    expect(second.texts()).toHaveLength(secondBefore);

    // the first seller is taken: the second is now next, and is told
    expect((await accept(bot, MINJI, 'timing-first')).status).toBe(200);
    await bot.app.hub.tick();
    // Still nobody at a console: the new place, and no minutes.
    expect(second.texts().at(-1)).toBe(ko('handoff.position_update_no_agents', { position: '첫 번째' }));
    const afterUpdate = second.texts().length;
    await bot.app.hub.tick();
    expect(second.texts()).toHaveLength(afterUpdate); // no flood

    // 7.5 minutes after the second seller queued: time-out, with the alternatives; agents still see it as missed
    advance(1.4);
    await bot.app.hub.tick();
    expect((await queue(bot)).waiting.map((w) => w.conversationId)).toEqual(['timing-second']);
    advance(0.2);
    await bot.app.hub.tick();
    const [timeout, alternatives] = second.texts().slice(-2);
    expect(timeout).toBe(ko('handoff.timeout'));
    expect(alternatives).toContain(alternativesLine);
    const { waiting, missed } = await queue(bot);
    expect(waiting).toEqual([]);
    expect(missed).toEqual([expect.objectContaining({ conversationId: 'timing-second', reason: 'requested' })]);

    // the bot answers the seller again; an agent may still pick the missed request up
    expect(await second.say('상품 삭제 어떻게 해요?')).toContain(ko('delete_product.ask_resolved'));
    expect((await accept(bot, MINJI, 'timing-second')).status).toBe(200);
    expect(second.texts().at(-1)).toBe(ko('handoff.agent_joined', { agent: MINJI.name }));
    expect((await closeAsAgent(bot, MINJI, 'timing-first')).status).toBe(200);
    expect((await closeAsAgent(bot, MINJI, 'timing-second')).status).toBe(200);
  });

  test('outside business hours: the hours, the alternatives and an offline ticket with a case number', async () => {
    clock = new Date('2026-05-09T03:00:00+09:00'); // Saturday night
    const seller = new Seller(bot, channel, 'after-hours');
    await seller.say('안녕하세요');
    const replies = await seller.say('상담사 연결해 주세요');
    expect(replies).toEqual([
      ko('handoff.out_of_hours', { schedule: bot.app.config.businessHours.describe('ko') }),
      expect.stringContaining(alternativesLine),
      ko('handoff.ticket_prompt'),
    ]);
    expect((await queue(bot)).waiting).toEqual([]);

    const saved = await seller.say('상품번호 1234567890 삭제가 안 돼요. 월요일에 연락 주세요.');
    expect(saved).toHaveLength(1);
    const caseNumber = /CS-\d{6}-[0-9A-Z]{4}/.exec(saved[0])?.[0];
    expect(saved[0]).toBe(ko('handoff.ticket_saved', { caseNumber: caseNumber! }));
    expect((await queue(bot)).tickets).toEqual([
      expect.objectContaining({ caseNumber, conversationId: 'after-hours', text: '상품번호 1234567890 삭제가 안 돼요. 월요일에 연락 주세요.', language: 'ko' }),
    ]);
    // one message is the ticket; after it the bot answers as usual
    expect(await seller.say('상품 삭제 어떻게 해요?')).toContain(ko('delete_product.ask_resolved'));

    // "취소" instead of a message leaves nothing behind
    const other = new Seller(bot, channel, 'after-hours-cancel');
    await other.say('상담사');
    expect(await other.say('취소')).toEqual([ko('handoff.ticket_cancelled')]);
    expect((await queue(bot)).tickets.map((t) => t.conversationId)).toEqual(['after-hours']);

    // Monday morning: an agent answers the ticket in a live chat
    clock = new Date('2026-05-11T09:05:00+09:00');
    expect((await accept(bot, MINJI, 'after-hours')).status).toBe(200);
    expect(seller.texts().at(-1)).toBe(ko('handoff.agent_joined', { agent: MINJI.name }));
    const { tickets, active } = await queue(bot);
    expect(tickets).toEqual([]);
    expect(active).toEqual([expect.objectContaining({ conversationId: 'after-hours', agent: MINJI.name })]);
    expect((await closeAsAgent(bot, MINJI, 'after-hours')).status).toBe(200);
  });

  test('the desk closes while a seller waits: queued on while an agent is signed in, told at once when nobody is', async () => {
    clock = new Date('2026-05-04T17:58:00+09:00'); // Monday, two minutes before closing
    const seller = new Seller(bot, channel, 'closing-time');
    await seller.say('상담사 연결해 주세요');
    expect((await queue(bot)).waiting.map((w) => w.conversationId)).toEqual(['closing-time']);

    // 18:01 with an agent's console open: the agent may still finish the queue
    const agentConsole = await EventStream.open(bot, { authorization: `Bearer ${MINJI.token}` });
    advance(3);
    await bot.app.hub.tick();
    expect((await queue(bot)).waiting.map((w) => w.conversationId)).toEqual(['closing-time']);

    // the last agent signs off: the seller hears it now, not at the time-out, with the hours and the alternatives
    await agentConsole.close();
    for (let i = 0; i < 100 && bot.app.hub.agentsOnline > 0; i++) await new Promise((r) => setTimeout(r, 20));
    await bot.app.hub.tick();
    const [notice, alternatives] = seller.texts().slice(-2);
    expect(notice).toBe(ko('handoff.closed_while_waiting', { schedule: bot.app.config.businessHours.describe('ko') }));
    expect(alternatives).toContain(alternativesLine);
    const { waiting, missed } = await queue(bot);
    expect(waiting).toEqual([]);
    expect(missed.map((m) => m.conversationId)).toContain('closing-time');

    // in the morning an agent can still pick it up
    clock = new Date('2026-05-05T09:01:00+09:00');
    expect((await accept(bot, MINJI, 'closing-time')).status).toBe(200);
    expect(seller.texts().at(-1)).toBe(ko('handoff.agent_joined', { agent: MINJI.name }));
    expect((await closeAsAgent(bot, MINJI, 'closing-time')).status).toBe(200);
  });
});

test('HANDOFF_TIMEOUT_MINUTES=0.01 in real time: the seller hears within a second or two', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bot-fast-timeout-'));
  const bot = await spawnBot(dataDir, { AGENT_TOKENS, HANDOFF_TIMEOUT_MINUTES: '0.01' });
  try {
    const seller = new Seller(bot, channel, 'fast-timeout');
    await seller.say('상담사');
    const started = Date.now();
    const [timeout, alternatives] = await seller.next(2, 5000);
    expect(timeout).toBe(ko('handoff.timeout'));
    expect(alternatives).toContain(alternativesLine);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await queue(bot)).missed.map((m) => m.conversationId)).toEqual(['fast-timeout']);
  } finally {
    await bot.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 40000);
