// The built-in web chat: the seller's page at /, a Direct Line 3.0-compatible endpoint for it, and the
// in-process channel that runs its turns (channel.ts).
import { join } from 'node:path';
import type { Server } from 'restify';
import type { ChannelDeps } from '../channels/middleware';
import type { WebChatRepo } from '../storage/ports';
import { type WebChatChannel, createWebChatChannel } from './channel';
import { DirectLineApi } from './directLine';
import { ActivityFeed } from './feed';
import { WebChatPage } from './page';
import { TokenSigner, loadTokenSecret } from './tokens';

export interface WebChat extends WebChatChannel {
  store: WebChatRepo;
}

export function createWebChat(deps: ChannelDeps): WebChat {
  const { config, logger, now } = deps;
  const store = deps.stores.webChat;
  const feed = new ActivityFeed(store, now, deps.events);
  const channel = createWebChatChannel(deps, store, feed);
  let api: DirectLineApi | undefined;
  // Conversations idle longer than TRANSCRIPT_RETENTION_DAYS are purged, with their files, by the
  // RetentionJob (bot/retention.ts) at start-up and daily.
  return {
    ...channel,
    store,
    registerRoutes(server: Server) {
      api = new DirectLineApi({
        server,
        config,
        logger,
        store,
        feed,
        channel,
        signer: new TokenSigner(loadTokenSecret(config.LOCAL_WEBCHAT_SECRET, config.dataDir), now),
        uploadsDir: join(config.dataDir, 'uploads'),
        rateLimits: deps.rateLimits,
        now,
      });
      api.registerRoutes();
      new WebChatPage(channel.bot.name).registerRoutes(server);
      server.once('listening', () => {
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : config.PORT;
        const url = `${config.PUBLIC_BASE_URL ?? `http://localhost:${port}`}/`;
        logger.info({ url }, `web chat: open ${url} to chat with the bot`);
      });
    },
    /** Releases pollers waiting for activities so the server can close. */
    close() {
      api?.close();
      feed.close();
    },
  };
}
