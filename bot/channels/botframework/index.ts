// Bot Framework (Emulator, Azure Bot Service channels): POST /api/messages in, the connector's REST API
// out. The only place that looks at `serviceUrl`: a conversation with one can be pushed to, one without
// (expectReplies only) cannot be reached after its turn.
import { originOf } from '../../http';
import type { Channels } from '..';
import { type ChannelDeps, isAuthenticatedTurn } from '../middleware';
import type { Channel } from '../port';
import { type BotFrameworkAddress, type BotFrameworkChannelAdapter, createBotFrameworkAdapter } from './adapter';
import { registerMessagesRoute } from './route';

export const BOT_FRAMEWORK = 'botframework';

export function createBotFrameworkChannel(deps: ChannelDeps, channels: Channels): Channel & { adapter: BotFrameworkChannelAdapter } {
  const { config, logger, outbox, turns, rateLimits, runTurn } = deps;
  const adapter = createBotFrameworkAdapter(config, logger, outbox);
  const channel: Channel & { adapter: BotFrameworkChannelAdapter } = {
    name: BOT_FRAMEWORK,
    adapter,
    reach: (reference) => (reference.serviceUrl ? 'push' : 'none'),
    addressOf: (reference): BotFrameworkAddress => ({ serviceUrl: reference.serviceUrl ?? '' }),
    push: (address, activity, signal) => adapter.deliver(address as BotFrameworkAddress, activity, signal),
    continueConversation: (reference, logic) => adapter.continueConversationAsync(config.MicrosoftAppId, reference, logic),
    // Unauthenticated, the sender names the serviceUrl: guarded, and capped, per origin.
    originOf: (address) => originOf(address.serviceUrl),
    trusted: (context) => isAuthenticatedTurn(context, config),
    registerRoutes: (server) =>
      registerMessagesRoute(server, {
        config,
        logger,
        adapter,
        turns,
        rateLimits,
        runTurn,
        ownedElsewhere: async (channelId, conversationId) => {
          const owner = await channels.owner(channelId, conversationId);
          return owner !== undefined && owner.channel.name !== BOT_FRAMEWORK;
        },
      }),
  };
  adapter.channel = channel;
  return channel;
}
