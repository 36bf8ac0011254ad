// The durable inbox: a webhook event is stored before TalkTalk gets its 200, and its turn runs afterwards,
// one at a time per conversation in the order received (a pump per conversation reads the store oldest
// first, so order never depends on timing). A restart resumes what was stored but not processed; an event
// whose turn was started MAX_ATTEMPTS times without finishing (it crashed the process) is given up.
import type { Logger } from '../../logger';
import type { TalkTalkEventRow, TalkTalkRepo } from '../../storage/ports';

const MAX_ATTEMPTS = 3;

export interface InboxDeps {
  store: TalkTalkRepo;
  logger: Logger;
  /** The conversation's turn order (turns and proactive messages one at a time). */
  turns: { run<T>(conversationId: string, work: () => Promise<T>): Promise<T> };
  /** Runs the event's turn. */
  process: (row: TalkTalkEventRow) => Promise<void>;
}

export class TalkTalkInbox {
  private readonly pumps = new Map<string, { again: boolean; done: Promise<void> }>();
  private closing = false;

  constructor(private readonly deps: InboxDeps) {}

  /** Stores the event; its turn runs once `run` (or a restart's `start`) picks it up. */
  add(conversationId: string, event: string, receivedAt: number): Promise<number> {
    return this.deps.store.addEvent(conversationId, event, receivedAt);
  }

  /** Processes what the conversation has stored, unless a pump is already at it. */
  run(conversationId: string): void {
    if (this.closing) return;
    const running = this.pumps.get(conversationId);
    if (running) {
      running.again = true;
      return;
    }
    const pump = { again: true, done: Promise.resolve() };
    pump.done = (async () => {
      try {
        while (pump.again && !this.closing) {
          pump.again = false;
          await this.drain(conversationId);
        }
      } catch (error) {
        this.deps.logger.error({ channelId: 'talktalk', conversationId, err: (error as Error).message }, 'talktalk inbox failed');
      } finally {
        this.pumps.delete(conversationId);
      }
    })();
    this.pumps.set(conversationId, pump);
  }

  /** Resumes the events an earlier run stored but did not process. */
  async start(): Promise<void> {
    const conversations = await this.deps.store.pendingConversations();
    if (conversations.length) this.deps.logger.info({ channelId: 'talktalk', conversations: conversations.length }, 'talktalk: resuming stored events');
    for (const conversationId of conversations) this.run(conversationId);
  }

  /** Stops taking events (the one running finishes); what is left stays stored for the next start. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.pumps.values()].map((p) => p.done));
  }

  /** Resolves once nothing is being processed (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pumps.size) await Promise.all([...this.pumps.values()].map((p) => p.done));
  }

  private async drain(conversationId: string): Promise<void> {
    const { store, logger } = this.deps;
    for (;;) {
      if (this.closing) return;
      const row = await store.nextEvent(conversationId);
      if (!row) return;
      if (row.attempts >= MAX_ATTEMPTS) {
        logger.error({ channelId: 'talktalk', conversationId, inboxId: row.id, attempts: row.attempts }, 'talktalk: event given up (its turn never finished)');
        await store.finishEvent(row.id, `turn started ${row.attempts} times without finishing`);
        continue;
      }
      let ran = false;
      try {
        ran = await this.deps.turns.run(conversationId, async () => {
          // Shutting down while the conversation was busy: the event stays stored for the next start.
          if (this.closing) return false;
          await store.startEvent(row.id);
          await this.deps.process(row);
          return true;
        });
      } catch (error) {
        // The turn's own errors are answered by the adapter; this is the rest (a broken event, storage).
        logger.error({ channelId: 'talktalk', conversationId, inboxId: row.id, err: (error as Error).message }, 'talktalk: event failed');
        await store.finishEvent(row.id, (error as Error).message ?? 'failed');
        continue;
      }
      if (!ran) return;
      await store.finishEvent(row.id);
    }
  }
}
