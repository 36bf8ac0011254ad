// Load, on loopback: 200 concurrent conversations × 10 turns through the serviceUrl path (a local channel
// server receives the replies), while 20 more sellers are in a live chat with agents who answer through
// the agent API. Nothing may answer 5xx (or 429: the default rate limit is set so this passes); every
// reply must arrive exactly once, in the right conversation, in the order the bot sent it.
import type { Activity } from 'botbuilder';
import { loadKnowledge } from '../../knowledge';
import { AGENT_TOKENS, JUNHO, MINJI, accept, api, closeAsAgent, conversationPath, sendAsAgent } from '../handoff/helpers';
import { ChannelServer, type ReceivedActivity } from '../support/channelServer';
import { type RunningBot, message, post, startBot } from '../support/botServer';

const CONVERSATIONS = 200;
const TURNS = 10;
const HANDOFFS = 20;
const AGENT_MESSAGES = 3;
/** Stand-alone questions and answers that keep a conversation with the bot (no "상담사", no yes to an offer). */
const SCRIPT = [
  '안녕하세요',
  '상품 삭제 어떻게 해요?',
  '해결됐어요',
  '운영 시간 알려주세요',
  '삭제한 상품 복구할 수 있나요?',
  '아니요 괜찮아요',
  '고객센터 연락 방법 알려주세요',
  'How do I delete a product?',
  '취소',
  '고마워요',
];

const k = loadKnowledge();
let bot: RunningBot;
let channel: ChannelServer;

beforeAll(async () => {
  channel = new ChannelServer();
  await channel.start();
  // Defaults everywhere (rate limit, outbox, channel time-out) except: unmatched messages never hand over,
  // so the 200 stay with the bot whatever the classifier makes of a line.
  bot = await startBot({ AGENT_TOKENS, FALLBACK_HANDOFF_AFTER: '0' });
}, 60000);

afterAll(async () => {
  await bot?.stop();
  await channel?.stop();
});

interface Outcome {
  statuses: number[];
  incomingIds: string[];
}

async function conversation(id: string): Promise<Outcome> {
  const outcome: Outcome = { statuses: [], incomingIds: [] };
  for (let turn = 0; turn < TURNS; turn++) {
    const activity = message(id, SCRIPT[turn % SCRIPT.length]!, { serviceUrl: channel.url, id: `${id}/in-${turn}` });
    outcome.incomingIds.push(activity.id as string);
    const res = await post(bot.url, '/api/messages', activity);
    outcome.statuses.push(res.status);
  }
  return outcome;
}

/** A seller who asks for an agent, gets accepted, writes twice and reads the agent's answers. */
async function handoff(id: string, index: number): Promise<{ statuses: number[]; agentTexts: string[] }> {
  const agent = index % 2 === 0 ? MINJI : JUNHO;
  const statuses: number[] = [];
  const say = async (text: string) => statuses.push((await post(bot.url, '/api/messages', message(id, text, { serviceUrl: channel.url }))).status);
  await say('상담사 연결해 주세요');
  // Accept as soon as the request is queued (the seller's turn has been answered by then).
  statuses.push((await accept(bot, agent, id)).status);
  const agentTexts: string[] = [];
  for (let i = 0; i < AGENT_MESSAGES; i++) {
    await say(`상품번호 ${index}${i} 문의드려요`);
    const text = `답변 ${index}-${i}`;
    agentTexts.push(text);
    const sent = await sendAsAgent(bot, agent, id, text);
    statuses.push(sent.status);
    if (sent.status === 200) expect(sent.body.delivered).toBe(true);
  }
  statuses.push((await closeAsAgent(bot, agent, id)).status);
  return { statuses, agentTexts: agentTexts.map((t) => `${k.text('handoff.agent_prefix', 'ko', { agent: agent.name })} ${t}`) };
}

/** What the bot logged as sent to the conversation (transcript store), oldest first. */
async function sentByBot(conversationId: string, channelId = 'test'): Promise<Activity[]> {
  return (await bot.app.transcripts.getRecentActivities(channelId, conversationId, 10000)).filter((a) => a.type === 'message' && a.from?.role === 'bot');
}

function key(a: Pick<ReceivedActivity, 'text' | 'replyToId'>): string {
  return `${a.replyToId ?? ''}|${a.text ?? ''}`;
}

test(`${CONVERSATIONS} conversations × ${TURNS} turns on the serviceUrl path, plus ${HANDOFFS} live chats with agents`, async () => {
  const started = performance.now();
  const ids = Array.from({ length: CONVERSATIONS }, (_, i) => `load-${i}`);
  const handoffIds = Array.from({ length: HANDOFFS }, (_, i) => `load-handoff-${i}`);
  const [outcomes, handoffs] = await Promise.all([Promise.all(ids.map(conversation)), Promise.all(handoffIds.map(handoff))]);
  const seconds = (performance.now() - started) / 1000;
  const turns = CONVERSATIONS * TURNS + HANDOFFS * (1 + AGENT_MESSAGES);
  process.stdout.write(`load: ${turns} seller turns + ${HANDOFFS * (AGENT_MESSAGES + 2)} agent calls in ${seconds.toFixed(1)} s (${Math.round(turns / seconds)} turns/s)\n`);

  // No 5xx, no 429: every request was answered 200.
  const statuses = [...outcomes.flatMap((o) => o.statuses), ...handoffs.flatMap((h) => h.statuses)];
  expect(statuses.filter((s) => s !== 200)).toEqual([]);

  // Nothing is left in the outbox: everything reached the channel during the turn that sent it.
  expect((await bot.app.outbox.pendingCounts()).size).toBe(0);

  for (const [i, id] of ids.entries()) {
    const received = channel.received.get(id) ?? [];
    const incoming = new Set(outcomes[i]!.incomingIds);
    // Every reply is in the right conversation and answers one of its own messages …
    for (const a of received) {
      expect(a.conversation?.id).toBe(id);
      if (a.replyToId) expect(incoming.has(a.replyToId)).toBe(true);
    }
    // … every turn was answered …
    expect(new Set(received.map((a) => a.replyToId))).toEqual(incoming);
    // … and the channel got exactly what the bot sent, once each, in order (none lost, none duplicated).
    expect(received.filter((a) => a.type === 'message').map(key)).toEqual((await sentByBot(id)).map(key));
    // Ids the outbox gives each activity are unique (a channel could drop a repeat by id).
    expect(new Set(received.map((a) => a.id)).size).toBe(received.length);
  }
  // None of the 200 ended up waiting for an agent.
  const q = await api(bot, 'GET', '/api/agent/queue', { token: MINJI.token });
  expect(q.body.waiting).toEqual([]);

  for (const [i, id] of handoffIds.entries()) {
    const texts = channel.texts(id);
    // The agent's answers arrived once each, in order, to this seller only.
    const agentTexts = texts.filter((t) => t.startsWith('[')); // "[상담사 민지] …"
    expect(agentTexts).toEqual(handoffs[i]!.agentTexts);
    for (const a of channel.messages(id)) expect(a.conversation?.id).toBe(id);
    expect(channel.texts(id).filter((t) => t === handoffs[i]!.agentTexts[0])).toHaveLength(1);
    const transcript = await api(bot, 'GET', conversationPath(id, 'transcript'), { token: MINJI.token });
    expect(transcript.body.messages.filter((m: { role: string }) => m.role === 'agent').map((m: { delivered: boolean }) => m.delivered)).toEqual(
      Array(AGENT_MESSAGES).fill(true),
    );
  }
  expect(seconds).toBeLessThan(60);
}, 90000);
