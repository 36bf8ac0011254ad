// The Bot Framework adapter: a CloudAdapter with authentication from configuration, the activity
// already parsed and validated by our own route, durable sends through the outbox, and the outbox's
// deliveries by the Bot Framework connector (REST to the conversation's serviceUrl).
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
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import type { Outbox } from '../../outbox';
import { ClientReusingAuthentication } from './reusedClients';
import { isDurable, sendDurably } from '../middleware';
import { type Channel, DeliveryError } from '../port';

class ChannelTimeoutError extends Error {}

/** Answers that will not change on a retry: the conversation or the bot is gone, the activity is refused. */
const PERMANENT_STATUS = new Set([400, 403, 404, 405, 410, 413, 422]);

/** What Node accepts in an HTTP header value. */
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;

export interface BotFrameworkAddress {
  serviceUrl: string;
  /** The token audience the turn used (undefined: the default). */
  audience?: string | null;
  [key: string]: unknown;
}

export class BotFrameworkChannelAdapter extends CloudAdapter {
  /** Set by the channel: activities with a push reach go through this durable outbox. */
  outbox?: Outbox;
  channel?: Channel;
  channelTimeoutMs = 10000;
  logger?: Logger;

  constructor(
    auth: ConstructorParameters<typeof CloudAdapter>[0],
    private readonly botAppId: string,
  ) {
    super(auth);
  }

  /** Checks the request's Bot Framework token (a no-op without credentials); throws on a bad one. */
  authenticate(authHeader: string, activity: Activity): Promise<AuthenticateRequestResult> {
    return this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
  }

  /** Runs the turn of an activity whose request `authenticate` accepted. */
  processAuthenticated(authentication: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(authentication, activity, logic);
  }

  // The last step of every send, after all onSendActivities handlers ran: replies (expectReplies never
  // gets here) and proactive messages go through the outbox (sendDurably). Typing, delays, traces and
  // invoke responses take botbuilder's own path.
  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const { outbox, channel } = this;
    const reference = Context.getConversationReference(context.activity);
    const durable = outbox && channel && activities.length > 0 && activities.every(isDurable) && channel.reach(reference) === 'push';
    if (!durable) return this.sendDirectly(context, activities);
    const address: BotFrameworkAddress = { serviceUrl: reference.serviceUrl!, audience: context.turnState.get(this.OAuthScopeKey) as string | undefined };
    return sendDurably(channel, context, activities, { outbox, logger: this.logger!, timeoutMs: this.channelTimeoutMs }, address);
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

  /**
   * The outbox's delivery: a ConnectorClient made the way continueConversationAsync makes one (the
   * factory hands out one client per endpoint, bot/reusedClients.ts). Refusals that a retry cannot
   * change are permanent.
   */
  async deliver(address: BotFrameworkAddress, activity: Partial<Activity>, signal: AbortSignal): Promise<{ id?: string }> {
    const factory = this.botFrameworkAuthentication.createConnectorFactory(this.createClaimsIdentity(this.botAppId));
    const body = withDates(activity);
    const conversationId = body.conversation?.id ?? '';
    const options = { abortSignal: signal };
    try {
      const connector = await factory.create(address.serviceUrl, address.audience ?? undefined);
      // botbuilder's replyToActivity also sends the conversation id as an HTTP header, which Node
      // refuses for characters outside Latin-1 (a Korean id, say); the plain send still carries
      // replyToId in the body, so such conversations get their replies that way.
      const response =
        body.replyToId && HEADER_SAFE.test(conversationId)
          ? await connector.conversations.replyToActivity(conversationId, body.replyToId, body, options)
          : await connector.conversations.sendToConversation(conversationId, body, options);
      return { id: response?.id ?? '' };
    } catch (error) {
      const statusCode = (error as { statusCode?: unknown }).statusCode;
      const message = `${typeof statusCode === 'number' ? `${statusCode} ` : ''}${(error as Error).message ?? String(error)}`;
      throw new DeliveryError(message, typeof statusCode === 'number' && PERMANENT_STATUS.has(statusCode));
    }
  }
}

/** The connector's serializer wants dates as Date objects (the outbox's JSON turned them into strings). */
function withDates(activity: Partial<Activity>): Partial<Activity> {
  const copy = { ...activity } as Partial<Activity> & { timestamp?: unknown; localTimestamp?: unknown };
  if (typeof copy.timestamp === 'string') copy.timestamp = new Date(copy.timestamp);
  if (typeof copy.localTimestamp === 'string') copy.localTimestamp = new Date(copy.localTimestamp);
  return copy;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChannelTimeoutError(`channel did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function createBotFrameworkAdapter(config: Config, logger: Logger, outbox: Outbox): BotFrameworkChannelAdapter {
  const auth: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: config.MicrosoftAppId,
    MicrosoftAppPassword: config.MicrosoftAppPassword,
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId,
  };
  if (config.ToBotFromChannelOpenIdMetadataUrl) auth.ToBotFromChannelOpenIdMetadataUrl = config.ToBotFromChannelOpenIdMetadataUrl;
  if (config.ToBotFromChannelTokenIssuer) auth.ToBotFromChannelTokenIssuer = config.ToBotFromChannelTokenIssuer;
  const adapter = new BotFrameworkChannelAdapter(new ClientReusingAuthentication(new ConfigurationBotFrameworkAuthentication(auth)), config.MicrosoftAppId);
  adapter.outbox = outbox;
  adapter.channelTimeoutMs = config.CHANNEL_TIMEOUT_MS;
  adapter.logger = logger;
  return adapter;
}
