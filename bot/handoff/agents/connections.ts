// The agents' Server-Sent Events connections on this instance (who is online is the Presence port's).
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
  res: ServerResponse;
}

/** What one stream may have waiting in memory for a client that does not read: past it, it is dropped. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

export class AgentConnections {
  private readonly clients = new Set<Client>();
  private sequence = 0;
  private keepAlive?: NodeJS.Timeout;

  constructor(private readonly keepAliveMs = 20000) {}

  get count(): number {
    return this.clients.size;
  }

  /** Takes over the response; `onClose` runs once, when the stream ends. */
  open(res: ServerResponse, onClose: () => void): Client {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const client: Client = { res };
    this.clients.add(client);
    let closed = false;
    const remove = () => {
      this.clients.delete(client);
      if (closed) return;
      closed = true;
      onClose();
    };
    res.on('close', remove);
    res.on('error', remove);
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
