// The Bot Framework adapter: authentication from configuration, the transcript, conversation
// references, a time limit on calls to the channel, and what happens when a turn fails.
import {
  type Activity,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type ResourceResponse,
  TranscriptLoggerMiddleware,
  type TurnContext,
  TurnContext as Context,
} from 'botbuilder';
import type { Knowledge } from '../knowledge';
import type { Config } from './config';
import type { ConversationReferences } from './conversationReferences';
import type { Logger } from './logger';
import type { SqliteTranscriptStore } from './storage/sqliteTranscriptStore';

export interface AdapterDeps {
  config: Config;
  logger: Logger;
  knowledge: Knowledge;
  transcripts: SqliteTranscriptStore;
  references: ConversationReferences;
  /** The conversation's language for the apology when a turn fails. */
  languageOf: (context: TurnContext) => 'ko' | 'en';
}

class ChannelTimeoutError extends Error {}

/** CloudAdapter, with the activity already parsed and validated by our own route. */
export class BotAdapter extends CloudAdapter {
  processIncoming(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(authHeader, activity, logic);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChannelTimeoutError(`channel did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
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
  const adapter = new BotAdapter(new ConfigurationBotFrameworkAuthentication(auth));

  adapter.use(new TranscriptLoggerMiddleware(deps.transcripts));
  adapter.use(async (context, next) => {
    if (context.activity.type === 'message' || context.activity.type === 'conversationUpdate') {
      deps.references.save(Context.getConversationReference(context.activity));
    }
    // A slow or dead channel must not hold the conversation's turn (and every turn queued behind it).
    context.onSendActivities(async (_ctx, _activities, send) => {
      try {
        return await withTimeout(send(), config.CHANNEL_TIMEOUT_MS);
      } catch (error) {
        logger.warn({ conversationId: context.activity.conversation?.id, err: (error as Error).message }, 'reply not delivered');
        if (error instanceof ChannelTimeoutError) return [] as ResourceResponse[];
        throw error;
      }
    });
    await next();
  });

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
