// Agents online in this process: a count of open connections per agent.
import type { Presence } from '../ports';

export class InProcessPresence implements Presence {
  private readonly connections = new Map<string, number>();
  private readonly listeners = new Set<(agents: readonly string[]) => void>();

  async connect(agent: string): Promise<{ leave(): Promise<void> }> {
    const count = this.connections.get(agent) ?? 0;
    this.connections.set(agent, count + 1);
    if (count === 0) this.changed();
    let left = false;
    return {
      leave: async () => {
        if (left) return;
        left = true;
        const remaining = (this.connections.get(agent) ?? 1) - 1;
        if (remaining > 0) return void this.connections.set(agent, remaining);
        this.connections.delete(agent);
        this.changed();
      },
    };
  }

  online(): readonly string[] {
    return [...this.connections.keys()];
  }

  onChange(listener: (agents: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    const agents = this.online();
    for (const listener of [...this.listeners]) listener(agents);
  }
}
