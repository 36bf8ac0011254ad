// Event fan-out within one process: publish calls the topic's subscribers at once, in order.
import { TopicListeners } from '../local';
import type { EventBus, Topic } from '../ports';

export class InProcessEventBus implements EventBus {
  private readonly listeners = new TopicListeners();

  topic<T>(name: string): Topic<T> {
    return this.listeners.topic<T>(name, async (message) => this.listeners.deliver(name, message));
  }
}
