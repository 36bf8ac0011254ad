// The Bot Framework handoff protocol, for a channel with its own agent hub (HANDOFF_MODE protocol/both):
// `handoff.initiate` out with the transcript, `handoff.status` in from the channel.
import { type Activity, EventFactory, type TurnContext } from 'botbuilder';
import { isAuthenticatedTurn } from '../channels';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Session } from './model';
import type { Notices } from './notices';
import type { HandoffService } from './service';
import type { HandoffRepo } from '../storage/ports';
import { describeSummary } from './summary';

/** Emits botbuilder's `handoff.initiate` with the transcript, for a channel that has its own agent hub. */
export async function initiateProtocolHandoff(context: TurnContext, session: Session, recent: Activity[], store: HandoffRepo, logger: Logger): Promise<void> {
  const activity = context.activity;
  const transcript = { activities: [...recent, activity as Activity] };
  const handoffContext = {
    reason: session.reason,
    language: session.language,
    caseNumber: session.caseNumber,
    summary: describeSummary(session.summary),
    productNumber: session.summary.productNumber,
  };
  const event = EventFactory.createHandoffInitiation(context, handoffContext, transcript);
  try {
    await context.sendActivity(event);
    await store.update(session.id, { protocol: true });
  } catch (error) {
    logger.warn({ conversationId: activity.conversation.id, err: (error as Error).message }, 'handoff.initiate not delivered');
  }
}

export interface ProtocolDeps {
  config: Config;
  logger: Logger;
  store: HandoffRepo;
  service: HandoffService;
  notices: Notices;
}

/** The channel's hub reports on a request: accepted, completed, or failed (nobody will take it). */
export async function onHandoffStatus(context: TurnContext, deps: ProtocolDeps): Promise<void> {
  const { config, logger, store, service, notices } = deps;
  const conversationId = context.activity.conversation?.id;
  const value = (context.activity.value ?? {}) as { state?: unknown; message?: unknown; agentName?: unknown };
  // Only the channel's authenticated hub may report (never the local, open path).
  if (config.HANDOFF_MODE === 'hub' || !isAuthenticatedTurn(context, config)) {
    logger.warn({ conversationId, state: value.state }, 'handoff.status ignored (hub mode or unauthenticated channel)');
    return;
  }
  const session = conversationId ? await store.openSession(conversationId) : undefined;
  if (!session) return;
  logger.info({ conversationId, state: value.state }, 'handoff.status');
  if (value.state === 'accepted' && session.status === 'waiting') {
    const agent = typeof value.agentName === 'string' && value.agentName ? value.agentName.slice(0, 64) : 'external';
    await service.acceptExternal(session, agent);
  } else if (value.state === 'completed') {
    await service.close(session, 'protocol');
  } else if (value.state === 'failed' && config.HANDOFF_MODE === 'protocol' && session.status === 'waiting') {
    // Nobody else can take it: tell the seller as for a time-out; agents still see it as missed.
    if (await service.markMissed(session)) await context.sendActivities([notices.message('handoff.timeout', session.language), notices.alternatives(session.language)]);
  }
}
