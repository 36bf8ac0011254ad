// A channel that can answer a seller only in the reply to their next message (KakaoTalk without its
// Event API), plugged in through the channel port: the agent's messages are held in the outbox (202
// pending next_message), and the channel takes them at the start of the seller's next turn.
import { type Activity, BotAdapter, type ConversationReference, type ResourceResponse, TurnContext } from 'botbuilder';
import { type Channel, type ChannelDeps, sendDurably } from '../../bot/channels';
import { conversationKey } from '../../bot/coordination';
import { type RunningBot, startBot } from '../support/botServer';
import { AGENT_TOKENS, MINJI, accept, api, conversationPath } from './helpers';

const IN_TURN = Symbol('inTurn');

/** A messenger whose webhook answers carry the replies; it has no push. */
class WebhookAdapter extends BotAdapter {
  constructor(private readonly send: (context: TurnContext, activities: Partial<Activity>[]) => Promise<ResourceResponse[]>) {
    super();
  }

  process(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>, replies: Partial<Activity>[]): Promise<void> {
    const context = new TurnContext(this, activity);
    context.turnState.set(IN_TURN, replies);
    return this.runMiddleware(context, logic);
  }

  override continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    return this.runMiddleware(new TurnContext(this, TurnContext.applyConversationReference({ type: 'event', name: 'ContinueConversation' }, reference, true)), logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const replies = context.turnState.get(IN_TURN) as Partial<Activity>[] | undefined;
    if (!replies) return this.send(context, activities);
    replies.push(...activities);
    return activities.map(() => ({ id: '' }));
  }

  override updateActivity(): Promise<void> {
    return Promise.reject(new Error('not supported'));
  }

  override deleteActivity(): Promise<void> {
    return Promise.reject(new Error('not supported'));
  }
}

interface Webhook extends Channel {
  /** One webhook call: the seller's message in, the replies out (held ones first). */
  say(conversationId: string, text: string): Promise<string[]>;
}

function webhookChannel(deps: ChannelDeps): Webhook {
  const adapter = new WebhookAdapter((context, activities) => sendDurably(channel, context, activities, { outbox: deps.outbox, logger: deps.logger, timeoutMs: 1000 }));
  const channel: Webhook = {
    name: 'webhook',
    adapter,
    reach: () => 'next-message',
    addressOf: (reference) => ({ user: reference.user?.id }),
    push: () => Promise.reject(new Error('this channel has no push')),
    continueConversation: (reference, logic) => adapter.continueConversation(reference, logic),
    say: (conversationId, text) => {
      const activity: Partial<Activity> = {
        type: 'message',
        id: `in-${Math.random()}`,
        channelId: 'webhook',
        conversation: { id: conversationId } as Activity['conversation'],
        from: { id: `user-${conversationId}`, name: '', role: 'user' },
        recipient: { id: 'bot', name: '', role: 'bot' },
        locale: 'ko-KR',
        text,
      };
      return deps.turns.run(conversationKey('webhook', conversationId), async () => {
        const replies = await deps.outbox.takeHeld('webhook', conversationId);
        await adapter.process(activity, deps.runTurn, replies);
        return replies.map((r) => String(r.text ?? ''));
      });
    },
  };
  return channel;
}

let bot: RunningBot;
let webhook: Webhook;

beforeAll(async () => {
  bot = await startBot({ AGENT_TOKENS }, { channels: [(deps) => (webhook = webhookChannel(deps))] });
});

afterAll(async () => {
  await bot?.stop();
});

test('agent messages wait for the seller’s next message: 202 pending next_message, then delivered in that turn, in order', async () => {
  const waiting = await webhook.say('kakao-1', '상담사 연결해 주세요');
  expect(waiting.join('\n')).toMatch(/상담사/);
  const accepted = await accept(bot, MINJI, 'kakao-1');
  expect(accepted.status).toBe(200);
  expect(accepted.body.notified).toBe(false); // held, not delivered yet

  const sent = await api(bot, 'POST', conversationPath('kakao-1', 'messages'), { token: MINJI.token, body: { text: '주문번호를 알려 주세요' } });
  expect(sent.status).toBe(202);
  expect(sent.body).toMatchObject({ delivered: false, pending: 'next_message' });
  expect(await bot.app.outbox.pendingActivityIds('kakao-1')).toHaveLength(2);

  const replies = await webhook.say('kakao-1', '네 알겠어요');
  expect(replies).toHaveLength(2);
  expect(replies[0]).toMatch(/민지/); // the "agent joined" notice first
  expect(replies[1]).toMatch(/주문번호를 알려 주세요$/);
  expect(await bot.app.outbox.pendingActivityIds('kakao-1')).toEqual([]);
  const transcript = await api(bot, 'GET', conversationPath('kakao-1', 'transcript'), { token: MINJI.token });
  const messages = transcript.body.messages as { role: string; text: string; delivered?: boolean }[];
  expect(messages.find((m) => m.role === 'agent' && m.text === '주문번호를 알려 주세요')?.delivered).toBe(true);
  expect(messages.map((m) => m.text)).toContain('네 알겠어요');
});
