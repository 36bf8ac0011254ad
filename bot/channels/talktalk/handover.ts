// TALKTALK_HANDOFF=platform: the partner center's agents answer. A handoff sends the seller what was passed
// on (with a 상담 종료 button), then `passThread`; the thread is the agents' until they press 상담 완료하기
// (a `handover` event back) or the seller presses that button (`takeThread`). Handover requests are
// activities for the outbox, so they keep their place after the messages before them.
import type { Activity, TurnContext } from 'botbuilder';
import type { Knowledge, Language } from '../../../knowledge';
import type { Logger } from '../../logger';
import type { TalkTalkRepo, TalkTalkThread } from '../../storage/ports';
import { HANDOVER_EVENT } from './push';

export interface HandoverDeps {
  store: TalkTalkRepo;
  knowledge: Knowledge;
  logger: Logger;
}

const control = (value: 'passThread' | 'takeThread'): Partial<Activity> => ({ type: 'event', name: HANDOVER_EVENT, value: { control: value } });

export class PartnerHandover {
  constructor(private readonly deps: HandoverDeps) {}

  /** Hands the seller to the partner center's agents (the handoff is already recorded as transferred). */
  async pass(context: TurnContext, transfer: { caseNumber: string; language: Language; summary: string }): Promise<void> {
    const { knowledge, store, logger } = this.deps;
    const conversationId = context.activity.conversation.id;
    await store.setThread(conversationId, { owner: 'partner', caseNumber: transfer.caseNumber, language: transfer.language });
    const endLabel = knowledge.text('button.end_chat', transfer.language);
    await context.sendActivities([
      {
        type: 'message',
        text: knowledge.text('handoff.platform_transferred', transfer.language, { summary: transfer.summary }),
        suggestedActions: { to: [], actions: [{ type: 'imBack', title: endLabel, value: endLabel }] },
      },
      control('passThread'),
    ]);
    logger.info({ channelId: context.activity.channelId, conversationId, caseNumber: transfer.caseNumber }, 'talktalk: passed to the partner center');
  }

  /**
   * Before the bot reads a message: a press of the bot's 상담 종료 button while the agents own the thread
   * (TalkTalk sends such presses without `standby`) takes the thread back. True when it did.
   */
  async takeBackOnEndButton(context: TurnContext): Promise<boolean> {
    const activity = context.activity;
    if (activity.type !== 'message') return false;
    const thread = await this.deps.store.thread(activity.conversation.id);
    if (thread.owner !== 'partner') return false;
    const language = thread.language ?? 'ko';
    const pressed = (activity.channelData as { talktalk?: { inputType?: unknown } } | undefined)?.talktalk?.inputType === 'button';
    if (!pressed || activity.text !== this.deps.knowledge.text('button.end_chat', language)) return false;
    await this.backToBot(context, thread, 'seller');
    return true;
  }

  /** The agents pressed 상담 완료하기: the bot answers again. */
  async agentsFinished(context: TurnContext, managerNickname?: string): Promise<void> {
    const thread = await this.deps.store.thread(context.activity.conversation.id);
    // Never passed by this bot (an agent took the chat in the partner center by hand): nothing to close.
    if (thread.owner !== 'partner') return;
    this.deps.logger.info({ channelId: context.activity.channelId, conversationId: context.activity.conversation.id, managerNickname }, 'talktalk: the partner center passed the chat back');
    await this.backToBot(context, thread, 'agents');
  }

  private async backToBot(context: TurnContext, thread: TalkTalkThread, by: 'seller' | 'agents'): Promise<void> {
    const { knowledge, store } = this.deps;
    const language = thread.language ?? 'ko';
    await store.setThread(context.activity.conversation.id, { owner: 'bot', language });
    const closing = knowledge.text('handoff.platform_closed', language, { caseNumber: thread.caseNumber ?? '-' });
    const replies: Partial<Activity>[] = [];
    if (by === 'seller') replies.push(control('takeThread'), { type: 'message', text: `${knowledge.text('handoff.ended_by_seller', language)}\n${closing}` });
    else replies.push({ type: 'message', text: closing });
    await context.sendActivities(replies);
  }
}
