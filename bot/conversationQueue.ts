// Runs the turns of one conversation one at a time (a double-sent message, an agent message arriving
// mid-turn), so state writes never conflict; different conversations still run concurrently.
export class ConversationQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(conversationId) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(conversationId, tail);
    // Forget idle conversations so the map does not grow with every conversation ever seen.
    void tail.then(() => {
      if (this.tails.get(conversationId) === tail) this.tails.delete(conversationId);
    });
    return result;
  }

  /** Resolves when every queued turn has finished (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  get active(): number {
    return this.tails.size;
  }
}

/** The queue key of a conversation: ids are only unique within their channel. */
export function conversationKey(channelId: string | undefined, conversationId: string): string {
  return `${channelId ?? ''}\n${conversationId}`;
}
