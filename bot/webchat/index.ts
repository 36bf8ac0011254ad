// The built-in web chat: the seller's page at /, a Direct Line 3.0-compatible endpoint for it, and the
// in-process channel that hands its activities to the bot (see channel.ts for how, and why).
import { join } from 'node:path';
import type { TurnContext } from 'botbuilder';
import type { Server } from 'restify';
import type { BotAdapter } from '../adapter';
import type { Config } from '../config';
import type { ConversationQueue } from '../conversationQueue';
import type { Logger } from '../logger';
import type { Database } from '../storage/sqlite/database';
import { LocalChannel } from './channel';
import { DirectLineApi } from './directLine';
import { ActivityFeed } from './feed';
import { WebChatPage } from './page';
import { WebChatStore } from './store';
import { TokenSigner, loadTokenSecret } from './tokens';

export { LOCAL_CHANNEL_ID, isLocalWebChatTurn } from './channel';

export interface WebChatDeps {
  server: Server;
  config: Config;
  logger: Logger;
  adapter: BotAdapter;
  /** The same per-conversation queue as /api/messages. */
  queue: ConversationQueue;
  runTurn: (context: TurnContext) => Promise<void>;
  db: Database;
  now: () => Date;
}

export interface WebChat {
  channel: LocalChannel;
  store: WebChatStore;
  /** Releases pollers waiting for activities so the server can close. */
  close(): void;
}

export function registerWebChat(deps: WebChatDeps): WebChat {
  const { server, config, logger, now } = deps;
  const store = new WebChatStore(deps.db);
  const feed = new ActivityFeed(store, now);
  const channel = new LocalChannel({ ...deps, store, feed });
  channel.installConnectorRouting();
  const api = new DirectLineApi({
    server,
    config,
    logger,
    store,
    feed,
    channel,
    signer: new TokenSigner(loadTokenSecret(config.LOCAL_WEBCHAT_SECRET, config.dataDir), now),
    uploadsDir: join(config.dataDir, 'uploads'),
    now,
  });
  api.registerRoutes();
  new WebChatPage(channel.bot.name).registerRoutes(server);

  // Conversations idle longer than TRANSCRIPT_RETENTION_DAYS are purged, with their files, by the
  // RetentionJob (bot/retention.ts) at start-up and daily.

  server.once('listening', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    const url = `${config.PUBLIC_BASE_URL ?? `http://localhost:${port}`}/`;
    logger.info({ url }, `web chat: open ${url} to chat with the bot`);
  });

  return {
    channel,
    store,
    close: () => {
      api.close();
      feed.close();
    },
  };
}
