// The Bot Framework adapter: authentication from configuration, the transcript, conversation
// references, a time limit on calls to the channel, and what happens when a turn fails.
import {
  type Activity,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type ResourceResponse,
  type TurnContext,
  TurnContext as Context,
} from 'botbuilder';
import type { AuthenticateRequestResult } from 'botframework-connector';
import type { Knowledge } from '../knowledge';
import type { Config } from './config';
import type { ConversationReferences } from './conversationReferences';
import type { Logger } from './logger';
import { ClientReusingAuthentication } from './reusedClients';
import { TEXT_WAS_CUT, cutLongText } from './longText';
import { isLocalWebChatTurn } from './webchat/channel';
import { OUTBOX_UNDELIVERED, type Outbox, undeliveredIn } from './outbox';
import { conversationKey } from './conversationQueue';
import type { TranscriptRepo, UnitOfWork } from './storage/ports';
import { TurnTranscriptLogger } from './storage/transcriptLogger';

export interface AdapterDeps {
  config: Config;
  logger: Logger;
  knowledge: Knowledge;
  transcripts: TranscriptRepo;
  /** Each turn's store calls share one unit of work (bot/storage/unitOfWork.ts). */
  unitOfWork: UnitOfWork;
  references: ConversationReferences;
  /** The conversation's language for the apology when a turn fails. */
  languageOf: (context: TurnContext) => 'ko' | 'en';
  /** Durable delivery of everything posted to a channel (bot/outbox); without it, activities are sent directly. */
  outbox?: Outbox;
}

class ChannelTimeoutError extends Error {}

/** CloudAdapter, with the activity already parsed and validated by our own route. */
export class BotAdapter extends CloudAdapter {
  /** Set by createAdapter: activities for a channel go through this durable outbox. */
  outbox?: Outbox;
  channelTimeoutMs = 10000;
  logger?: Logger;

  /** Checks the request's Bot Framework token (a no-op without credentials); throws on a bad one. */
  authenticate(authHeader: string, activity: Activity): Promise<AuthenticateRequestResult> {
    return this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
  }

  /** Runs the turn of an activity whose request `authenticate` accepted. */
  processAuthenticated(authentication: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(authentication, activity, logic);
  }

  // --- Outbox (bot/outbox): the last step of every send, after all onSendActivities handlers ran. Replies
  // (serviceUrl path; expectReplies never gets here) and proactive messages are stored first, then
  // delivered in order per conversation; what the channel does not take within CHANNEL_TIMEOUT_MS stays
  // stored and is retried, so a slow or dead channel never fails or holds the turn (the request is still
  // answered 200). Undelivered activities get their outbox id as response id, and are counted in
  // turnState[OUTBOX_UNDELIVERED]. Typing, delays, traces and invoke responses take botbuilder's own path.
  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const outbox = this.outbox;
    const durable = outbox && activities.length > 0 && activities.every((a) => isDurable(a) && (a.serviceUrl || context.activity.serviceUrl));
    if (!outbox || !durable) return this.sendDirectly(context, activities);
    const audience = context.turnState.get(this.OAuthScopeKey) as string | undefined;
    // Once one send of this turn found the channel not answering, the turn's later sends are only stored
    // (behind it, in order): a turn never waits more than one CHANNEL_TIMEOUT_MS for a dead channel.
    const alreadyUndelivered = undeliveredIn(context) > 0;
    const results = await outbox.send(
      activities.map((activity) => ({
        conversationId: activity.conversation?.id ?? context.activity.conversation.id,
        channelId: activity.channelId ?? context.activity.channelId,
        serviceUrl: (activity.serviceUrl || context.activity.serviceUrl)!,
        audience,
        activity,
      })),
      this.channelTimeoutMs,
      { attempt: !alreadyUndelivered },
    );
    const undelivered = results.filter((r) => !r.delivered).length;
    if (undelivered > 0) {
      context.turnState.set(OUTBOX_UNDELIVERED, undeliveredIn(context) + undelivered);
      this.logger?.warn({ conversationId: context.activity.conversation?.id, undelivered }, 'reply not delivered yet (kept in the outbox)');
    }
    return results.map((r) => ({ id: r.delivered && r.response?.id ? r.response.id : r.activityId }));
  }

  /** botbuilder's own send, bounded: a slow or dead channel must not hold the conversation's turn. */
  private async sendDirectly(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    try {
      return await withTimeout(super.sendActivities(context, activities), this.channelTimeoutMs);
    } catch (error) {
      this.logger?.warn({ conversationId: context.activity.conversation?.id, err: (error as Error).message }, 'reply not delivered');
      if (error instanceof ChannelTimeoutError) return [];
      throw error;
    }
  }
  // --- end outbox
}

/** Worth keeping and retrying: not typing indicators, delays, traces or invoke responses. */
function isDurable(activity: Partial<Activity>): boolean {
  return !['typing', 'delay', 'trace', 'invokeResponse'].includes(activity.type ?? 'message');
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChannelTimeoutError(`channel did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Whether the turn's activity came through Bot Framework authentication (never the local, open path). */
export function isAuthenticatedTurn(context: TurnContext, config: Pick<Config, 'localMode'>): boolean {
  if (config.localMode) return false;
  const identity = context.turnState.get(context.adapter.BotIdentityKey) as { isAuthenticated?: boolean; authenticationType?: unknown } | undefined;
  return Boolean(identity?.isAuthenticated) && identity?.authenticationType !== 'anonymous';
}

export function createAdapter(deps: AdapterDeps): BotAdapter {
  const { config, logger } = deps;
  const auth: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: config.MicrosoftAppId,
    MicrosoftAppPassword: config.MicrosoftAppPassword,
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId,
  };
  if (config.ToBotFromChannelOpenIdMetadataUrl) auth.ToBotFromChannelOpenIdMetadataUrl = config.ToBotFromChannelOpenIdMetadataUrl;
  if (config.ToBotFromChannelTokenIssuer) auth.ToBotFromChannelTokenIssuer = config.ToBotFromChannelTokenIssuer;
  const adapter = new BotAdapter(new ClientReusingAuthentication(new ConfigurationBotFrameworkAuthentication(auth)));
  adapter.outbox = deps.outbox;
  adapter.channelTimeoutMs = config.CHANNEL_TIMEOUT_MS;
  adapter.logger = logger;

  adapter.use((context, next) => deps.unitOfWork.run(conversationKey(context.activity.channelId, context.activity.conversation?.id ?? ''), next));
  // Then: nothing after this (transcript, handoff hub, dialogs) reads more of a message than
  // MAX_MESSAGE_LENGTH characters; the bot tells the seller it was cut.
  adapter.use(async (context, next) => {
    if (cutLongText(context.activity, config.MAX_MESSAGE_LENGTH)) context.turnState.set(TEXT_WAS_CUT, true);
    await next();
  });
  adapter.use(async (context, next) => {
    if (context.activity.type === 'message' || context.activity.type === 'conversationUpdate') {
      const trusted = isAuthenticatedTurn(context, config) || isLocalWebChatTurn(context);
      if (!deps.references.save(Context.getConversationReference(context.activity), { trusted })) {
        // Someone else is trying to take the conversation (its replies would go to their address).
        logger.warn({ conversationId: context.activity.conversation?.id, channelId: context.activity.channelId }, 'turn refused: unauthenticated serviceUrl change');
        return;
      }
    }
    // (A slow or dead channel never holds the turn: see BotAdapter.sendActivities and bot/outbox.)
    await next();
  });
  adapter.use(new TurnTranscriptLogger(deps.transcripts, logger));

  adapter.onTurnError = async (context, error) => {
    logger.error(
      { conversationId: context.activity.conversation?.id, activityType: context.activity.type, err: { message: error.message, stack: error.stack } },
      'turn failed',
    );
    try {
      await context.sendActivity(deps.knowledge.text('turn_error', deps.languageOf(context)));
    } catch (sendError) {
      logger.warn({ err: (sendError as Error).message }, 'could not apologise for a failed turn');
    }
  };
  return adapter;
}
