// The agents' Server-Sent Events stream. Each open stream counts its agent as online.
import type { ServerResponse } from 'node:http';

export type AgentEventName =
  | 'hello'
  | 'queue'
  | 'waiting'
  | 'cancelled'
  | 'accepted'
  | 'closed'
  | 'missed'
  | 'message'
  | 'ticket'
  | 'agents';

interface Client {
  agent: string;
  res: ServerResponse;
}

/** What one stream may have waiting in memory for a client that does not read: past it, it is dropped. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

export class AgentEvents {
  private readonly clients = new Set<Client>();
  private sequence = 0;
  private keepAlive?: NodeJS.Timeout;

  constructor(private readonly keepAliveMs = 20000) {}

  /** Distinct agents with at least one stream open. */
  get agentsOnline(): string[] {
    return [...new Set([...this.clients].map((c) => c.agent))];
  }

  get connections(): number {
    return this.clients.size;
  }

  /** Takes over the response; `onChange` runs when the set of agents online changes. */
  open(agent: string, res: ServerResponse, onChange: () => void): Client {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const before = this.agentsOnline.length;
    const client: Client = { agent, res };
    this.clients.add(client);
    const remove = () => {
      const was = this.agentsOnline.length;
      if (!this.clients.delete(client)) return;
      if (this.agentsOnline.length !== was) onChange();
    };
    res.on('close', remove);
    res.on('error', remove);
    if (this.agentsOnline.length !== before) onChange();
    this.ensureKeepAlive();
    return client;
  }

  send(client: Client, event: AgentEventName, data: unknown): void {
    this.write(client, `id: ${++this.sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  broadcast(event: AgentEventName, data: unknown): void {
    const frame = `id: ${++this.sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) this.write(client, frame);
  }

  /** A client that lets a megabyte pile up is not reading: it is cut off (EventSource reconnects and gets a fresh queue). */
  private write(client: Client, frame: string): void {
    if (client.res.writableEnded || client.res.destroyed) return;
    if (client.res.writableLength + frame.length > MAX_BUFFERED_BYTES) {
      client.res.destroy(); // its 'close' removes it
      return;
    }
    client.res.write(frame);
  }

  private ensureKeepAlive(): void {
    if (this.keepAlive) return;
    // A comment line now and then keeps proxies from closing an idle stream.
    this.keepAlive = setInterval(() => {
      for (const client of this.clients) this.write(client, ': keep-alive\n\n');
    }, this.keepAliveMs);
    this.keepAlive.unref();
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
    for (const client of [...this.clients]) {
      this.clients.delete(client);
      client.res.end();
      client.res.socket?.destroy();
    }
  }
}
