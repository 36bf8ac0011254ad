// Agents online in this process: a count of open connections per agent.
import { ConnectionCounts } from '../local';
import type { Presence } from '../ports';

export class InProcessPresence implements Presence {
  private readonly connections = new ConnectionCounts();
  private readonly listeners = new Set<(agents: readonly string[]) => void>();

  async connect(agent: string): Promise<{ leave(): Promise<void> }> {
    const connection = this.connections.open(agent);
    if (connection.first) this.changed();
    return {
      leave: async () => {
        if (connection.close()) this.changed();
      },
    };
  }

  online(): readonly string[] {
    return this.connections.agents();
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
