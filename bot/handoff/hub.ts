// The human handoff, wired: the queue of sellers waiting for an agent, the relay between them, offline
// tickets, time-outs, the Bot Framework handoff protocol and the agents' API. State lives in the stores
// (bot/storage), so a crash loses nothing; agents reach sellers later on the stored conversation reference.
import { join } from 'node:path';
import type { MiddlewareHandler, TurnContext } from 'botbuilder';
import type { Server } from 'restify';
import type { IntentClassifier } from '../../intents/classifier';
import type { Knowledge } from '../../knowledge';
import type { HandoffDetails, HandoffPort, HandoffReason } from '../../dialogs/services';
import type { Channels } from '../channels';
import type { Config } from '../config';
import type { Coordination, Job } from '../coordination';
import type { Logger } from '../logger';
import type { Outbox } from '../outbox';
import type { AgentSessionRepo, HandoffRepo, TranscriptRepo } from '../storage/ports';
import { AgentDesk } from './agentDesk';
import { AgentAuth, LOCAL_TOKEN_FILE } from './agents/auth';
import { AgentConnections } from './agents/connections';
import { registerAgentRoutes } from './agents/routes';
import { AgentStream } from './agents/stream';
import { Delivery } from './delivery';
import { Notices } from './notices';
import { onHandoffStatus } from './protocol';
import { HandoffScheduler } from './scheduler';
import { sellerMiddleware } from './sellerSide';
import { HandoffService } from './service';
import { HandoffViews } from './views';

export interface HandoffHubDeps {
  config: Config;
  logger: Logger;
  knowledge: Knowledge;
  handoff: HandoffRepo;
  agentSessions: AgentSessionRepo;
  /** The channels, to reach a seller later through the one that owns the conversation. */
  channels: Channels;
  transcripts: TranscriptRepo;
  now: () => Date;
  /** Recognises "cancel" / "agent" while a seller waits, and the topics for the agent's summary. */
  classifier: IntentClassifier;
  /** The turn lock (serialises the hub's proactive messages with the seller's own turns), presence, fan-out, limits. */
  coordination: Pick<Coordination, 'turns' | 'presence' | 'events' | 'rateLimits'>;
  /** The durable outbox (bot/outbox): what the seller's channel has not taken yet is shown as undelivered. */
  outbox: Outbox;
}

export class HandoffHub implements HandoffPort {
  readonly store: HandoffRepo;
  readonly auth: AgentAuth;
  /** The agents' SSE connections on this instance. */
  readonly connections = new AgentConnections();
  readonly service: HandoffService;
  readonly desk: AgentDesk;
  private readonly views: HandoffViews;
  private readonly notices: Notices;
  private readonly stream: AgentStream;
  private readonly scheduler: HandoffScheduler;
  private server?: Server;

  constructor(private readonly deps: HandoffHubDeps) {
    const { config, logger, knowledge, classifier, now, coordination } = deps;
    const store = (this.store = deps.handoff);
    this.auth = new AgentAuth(config, deps.agentSessions, now);
    const notices = (this.notices = new Notices(knowledge, config));
    const delivery = new Delivery({ logger, channels: deps.channels, turns: coordination.turns });
    const service = (this.service = new HandoffService({
      config,
      logger,
      knowledge,
      store,
      notices,
      transcripts: deps.transcripts,
      classifier,
      presence: coordination.presence,
      rateLimits: coordination.rateLimits,
      now,
    }));
    this.desk = new AgentDesk({ logger, knowledge, store, service, notices, delivery, outbox: deps.outbox, now });
    this.views = new HandoffViews({ store, transcripts: deps.transcripts, outbox: deps.outbox, now });
    this.stream = new AgentStream({ connections: this.connections, views: this.views, service: service.events, presence: coordination.presence, bus: coordination.events, logger });
    this.scheduler = new HandoffScheduler({ config, logger, knowledge, store, service, notices, delivery, now });
  }

  get agentsOnline(): number {
    return this.service.agentsOnline;
  }

  request(context: TurnContext, reason: HandoffReason, details?: HandoffDetails): Promise<void> {
    return this.service.request(context, reason, details);
  }

  snapshot(): Promise<{ waiting: number; estimatedWaitMinutes: number; agentsOnline: number }> {
    return this.service.snapshot();
  }

  sellerLeft(conversationId: string, channelId: string): Promise<boolean> {
    return this.service.sellerLeft(conversationId, channelId);
  }

  /** Runs before the dialogs: messages of sellers who wait, chat with an agent or leave a ticket go to the hub. */
  sellerMiddleware(): MiddlewareHandler {
    const { config, logger, knowledge, classifier, now } = this.deps;
    const { store, service, notices } = this;
    return sellerMiddleware({
      logger,
      knowledge,
      store,
      service,
      notices,
      classifier,
      now,
      onHandoffStatus: (context) => onHandoffStatus(context, { config, logger, store, service, notices }),
    });
  }

  /** Position updates, "taking longer than expected" and time-outs. Safe to call at any time (tests do). */
  tick(): Promise<void> {
    return this.scheduler.tick();
  }

  registerRoutes(server: Server): void {
    this.server = server;
    const { config, logger, knowledge } = this.deps;
    const rateLimits = this.deps.coordination.rateLimits;
    registerAgentRoutes(server, { service: this.service, desk: this.desk, views: this.views, stream: this.stream, auth: this.auth, config, logger, knowledge, rateLimits });
  }

  /** Position updates, time-outs and stale drafts on their timer (bot/app.ts adds it to the jobs). */
  get job(): Job {
    return this.scheduler.job;
  }

  /** Where the console is; the local token stays out of the logs (bot/banner.ts says where its file is). */
  announceConsole(): void {
    const address = this.server?.address() as { port?: number } | null | undefined;
    const url = `${this.deps.config.PUBLIC_BASE_URL ?? `http://localhost:${address?.port ?? this.deps.config.PORT}`}/agent`;
    const local = this.auth.local;
    if (!local) {
      this.deps.logger.info({ url, agents: this.auth.agentNames }, 'agent console');
      return;
    }
    this.deps.logger.info({ url, agent: local.name, tokenFile: join(this.deps.config.dataDir, LOCAL_TOKEN_FILE) }, 'agent console (local agent token)');
  }

  async close(): Promise<void> {
    await this.scheduler.idle();
    this.stream.close();
  }
}
