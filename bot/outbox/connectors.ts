// ConnectorClients for the outbox, made the way CloudAdapterBase makes them for continueConversationAsync:
// the adapter's BotFrameworkAuthentication builds a connector factory for a claims identity naming the
// bot's app id (no token at all in local mode). Going through the adapter's factory (looked up at every
// call, not captured once) keeps the built-in web chat working: it wraps that factory to answer its own
// serviceUrls in-process. The factory hands out one client per endpoint (bot/reusedClients.ts), so
// nothing is cached here.
import type { BotFrameworkAuthentication, ClaimsIdentity, ConnectorClient } from 'botframework-connector';

interface AdapterInternals {
  botFrameworkAuthentication: BotFrameworkAuthentication;
  createClaimsIdentity(botAppId?: string): ClaimsIdentity;
}

export function channelConnectors(adapter: object, botAppId: string): (serviceUrl: string, audience?: string) => Promise<ConnectorClient> {
  return (serviceUrl, audience) => {
    const internals = adapter as AdapterInternals;
    return internals.botFrameworkAuthentication.createConnectorFactory(internals.createClaimsIdentity(botAppId)).create(serviceUrl, audience);
  };
}
