// The agents' event stream as a listener of the handoff service: each service event goes out on the
// event fan-out (so consoles connected to any instance hear it) and becomes an SSE event here; queue
// changes become (throttled) queue snapshots; presence changes tell who is online.
import type { ServerResponse } from 'node:http';
import type { EventBus, Presence, Topic } from '../../coordination';
import type { Logger } from '../../logger';
import type { HandoffEvents } from '../service';
import type { HandoffViews } from '../views';
import type { AgentEventName, AgentConnections } from './connections';

/** Queue snapshots to agents at most this often. */
const QUEUE_SNAPSHOT_MS = 250;

/** What goes out on the fan-out: an SSE event as consoles get it, or "the queue changed". */
type AgentBusMessage = { name: 'changed' } | { name: Exclude<AgentEventName, 'hello' | 'queue' | 'agents'>; data: unknown };

export interface AgentStreamDeps {
  /** This instance's SSE connections. */
  connections: AgentConnections;
  views: HandoffViews;
  service: HandoffEvents;
  presence: Presence;
  bus: EventBus;
  logger: Logger;
}

export class AgentStream {
  private queueSnapshotTimer?: NodeJS.Timeout;
  private readonly topic: Topic<AgentBusMessage>;
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly deps: AgentStreamDeps) {
    const { connections, views, service, presence } = deps;
    const topic = (this.topic = deps.bus.topic<AgentBusMessage>('agent-events'));
    service.on('waiting', ({ session, position }) => this.publish({ name: 'waiting', data: views.waitingEntry(session, position) }));
    service.on('ticket', (ticket) => this.publish({ name: 'ticket', data: views.ticketEntry(ticket) }));
    service.on('cancelled', (data) => this.publish({ name: 'cancelled', data }));
    service.on('accepted', (data) => this.publish({ name: 'accepted', data }));
    service.on('closed', (data) => this.publish({ name: 'closed', data }));
    service.on('missed', (data) => this.publish({ name: 'missed', data }));
    service.on('message', (data) => this.publish({ name: 'message', data }));
    service.on('changed', () => this.publish({ name: 'changed' }));
    this.unsubscribe = [
      topic.subscribe((message) => (message.name === 'changed' ? this.queueChanged() : connections.broadcast(message.name, message.data))),
      presence.onChange((agents) => connections.broadcast('agents', { online: agents.length, agents })),
    ];
  }

  private publish(message: AgentBusMessage): void {
    this.topic.publish(message).catch((error: unknown) => this.deps.logger.error({ err: (error as Error).message, event: message.name }, 'agent event not fanned out'));
  }

  /**
   * The whole queue goes to every stream at most every QUEUE_SNAPSHOT_MS: a flood of requests changes it
   * hundreds of times a second, and each change would be sent to every agent.
   */
  private queueChanged(): void {
    const { connections } = this.deps;
    if (connections.count === 0 || this.queueSnapshotTimer) return;
    this.queueSnapshotTimer = setTimeout(() => {
      this.queueSnapshotTimer = undefined;
      if (connections.count === 0) return;
      this.deps.views.queueView().then(
        (queue) => connections.broadcast('queue', queue),
        (error: unknown) => this.deps.logger.error({ err: (error as Error).message }, 'queue snapshot for the agents failed'),
      );
    }, QUEUE_SNAPSHOT_MS);
  }

  /** Opens an agent's event stream (the agent counts as online while it is open). */
  async open(agent: string, res: ServerResponse): Promise<void> {
    const { connections, presence } = this.deps;
    let lease: Promise<{ leave(): Promise<void> }> | undefined;
    const client = connections.open(res, () => void lease?.then((l) => l.leave()).catch(() => undefined));
    lease = presence.connect(agent);
    const online = presence.online();
    connections.send(client, 'hello', { agent, agentsOnline: online.length, agents: online });
    connections.send(client, 'queue', await this.deps.views.queueView());
  }

  close(): void {
    if (this.queueSnapshotTimer) clearTimeout(this.queueSnapshotTimer);
    this.queueSnapshotTimer = undefined;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.deps.connections.closeAll();
  }
}
