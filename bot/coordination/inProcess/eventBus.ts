// Event fan-out within one process: publish calls the topic's subscribers at once, in order.
import type { EventBus, Topic } from '../ports';

export class InProcessEventBus implements EventBus {
  private readonly topics = new Map<string, Set<(message: never) => void>>();

  topic<T>(name: string): Topic<T> {
    let listeners = this.topics.get(name) as Set<(message: T) => void> | undefined;
    if (!listeners) {
      listeners = new Set();
      this.topics.set(name, listeners);
    }
    const subscribers = listeners;
    return {
      publish: async (message) => {
        for (const listener of [...subscribers]) listener(message);
      },
      subscribe: (listener) => {
        subscribers.add(listener);
        return () => subscribers.delete(listener);
      },
    };
  }
}
