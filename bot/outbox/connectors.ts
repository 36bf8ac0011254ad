// ConnectorClients for the outbox, made the way CloudAdapterBase makes them for continueConversationAsync:
// the adapter's BotFrameworkAuthentication builds a connector factory for a claims identity naming the
// bot's app id (no token at all in local mode). Going through the adapter's factory (looked up at every
// call, not captured once) keeps the built-in web chat working: it wraps that factory to answer its own
// serviceUrls in-process. Clients are reused per (serviceUrl, audience); their credentials cache tokens.
import type { BotFrameworkAuthentication, ClaimsIdentity, ConnectorClient } from 'botframework-connector';

interface AdapterInternals {
  botFrameworkAuthentication: BotFrameworkAuthentication;
  createClaimsIdentity(botAppId?: string): ClaimsIdentity;
}

const MAX_CLIENTS = 256;

export function channelConnectors(adapter: object, botAppId: string): (serviceUrl: string, audience?: string) => Promise<ConnectorClient> {
  const clients = new Map<string, Promise<ConnectorClient>>();
  return (serviceUrl, audience) => {
    const key = `${audience ?? ''}\n${serviceUrl}`;
    const cached = clients.get(key);
    if (cached) return cached;
    const internals = adapter as AdapterInternals;
    const factory = internals.botFrameworkAuthentication.createConnectorFactory(internals.createClaimsIdentity(botAppId));
    const client = factory.create(serviceUrl, audience);
    clients.set(key, client);
    client.catch(() => clients.delete(key));
    if (clients.size > MAX_CLIENTS) clients.delete(clients.keys().next().value!);
    return client;
  };
}
