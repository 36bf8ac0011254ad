// What every implementation of the ports keeps in its own process: a topic's listeners here, and the
// open connections of each agent here.
import type { Topic } from './ports';

type Listener = (message: never) => void;

export class TopicListeners {
  private readonly topics = new Map<string, Set<Listener>>();

  /** The topic `name`, subscribed here, published with `publish`. */
  topic<T>(name: string, publish: (message: T) => Promise<void>): Topic<T> {
    const listeners = this.of(name);
    return {
      publish,
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
  }

  /** Calls the topic's listeners in subscription order; with `onError`, one failing does not stop the rest. */
  deliver(name: string, message: unknown, onError?: (error: unknown) => void): void {
    for (const listener of [...this.of(name)] as ((message: unknown) => void)[]) {
      if (!onError) listener(message);
      else {
        try {
          listener(message);
        } catch (error) {
          onError(error);
        }
      }
    }
  }

  private of(name: string): Set<Listener> {
    let listeners = this.topics.get(name);
    if (!listeners) {
      listeners = new Set();
      this.topics.set(name, listeners);
    }
    return listeners;
  }
}

/** Open connections per agent: which connection is an agent's first, and which one's end its last. */
export class ConnectionCounts {
  private readonly counts = new Map<string, number>();

  /** Counts a connection; `close` counts it out once (again does nothing) and says if it was the agent's last. */
  open(agent: string): { first: boolean; close(): boolean } {
    const count = this.counts.get(agent) ?? 0;
    this.counts.set(agent, count + 1);
    let closed = false;
    return {
      first: count === 0,
      close: () => {
        if (closed) return false;
        closed = true;
        const remaining = (this.counts.get(agent) ?? 1) - 1;
        if (remaining > 0) this.counts.set(agent, remaining);
        else this.counts.delete(agent);
        return remaining <= 0;
      },
    };
  }

  /** Agents with a connection open, in the order they first connected. */
  agents(): string[] {
    return [...this.counts.keys()];
  }

  clear(): void {
    this.counts.clear();
  }
}
