// The agents' event stream as a listener of the handoff service: each service event becomes an SSE
// event, and queue changes become (throttled) queue snapshots.
import type { ServerResponse } from 'node:http';
import type { HandoffEvents } from '../service';
import type { HandoffViews } from '../views';
import type { AgentEvents } from './events';

/** Queue snapshots to agents at most this often. */
const QUEUE_SNAPSHOT_MS = 250;

export class AgentStream {
  private queueSnapshotTimer?: NodeJS.Timeout;

  constructor(
    private readonly events: AgentEvents,
    private readonly views: HandoffViews,
    service: HandoffEvents,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    service.on('waiting', ({ session, position }) => events.broadcast('waiting', views.waitingEntry(session, position)));
    service.on('ticket', (ticket) => events.broadcast('ticket', views.ticketEntry(ticket)));
    service.on('cancelled', (data) => events.broadcast('cancelled', data));
    service.on('accepted', (data) => events.broadcast('accepted', data));
    service.on('closed', (data) => events.broadcast('closed', data));
    service.on('missed', (data) => events.broadcast('missed', data));
    service.on('message', (data) => events.broadcast('message', data));
    service.on('changed', () => this.queueChanged());
  }

  /**
   * The whole queue goes to every stream at most every QUEUE_SNAPSHOT_MS: a flood of requests changes it
   * hundreds of times a second, and each change would be sent to every agent.
   */
  private queueChanged(): void {
    if (this.events.connections === 0 || this.queueSnapshotTimer) return;
    this.queueSnapshotTimer = setTimeout(() => {
      this.queueSnapshotTimer = undefined;
      if (this.events.connections === 0) return;
      this.views.queueView().then(
        (queue) => this.events.broadcast('queue', queue),
        (error: unknown) => this.onError(error),
      );
    }, QUEUE_SNAPSHOT_MS);
  }

  /** Opens an agent's event stream (the agent counts as online while it is open). */
  async open(agent: string, res: ServerResponse): Promise<void> {
    const { events } = this;
    const client = events.open(agent, res, () => {
      events.broadcast('agents', { online: events.agentsOnline.length, agents: events.agentsOnline });
    });
    events.send(client, 'hello', { agent, agentsOnline: events.agentsOnline.length, agents: events.agentsOnline });
    events.send(client, 'queue', await this.views.queueView());
  }

  close(): void {
    if (this.queueSnapshotTimer) clearTimeout(this.queueSnapshotTimer);
    this.queueSnapshotTimer = undefined;
    this.events.closeAll();
  }
}
