// ClientReusingAuthentication: one ConnectorClient per (app id, serviceUrl, audience) and one
// UserTokenClient per app id, with authentication itself left to botbuilder.
import { type Activity, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { ClaimsIdentity } from 'botframework-connector';
import { ClientReusingAuthentication } from '../../bot/channels/botframework/reusedClients';

const activity = (serviceUrl: string) => ({ type: 'message', channelId: 'test', serviceUrl, conversation: { id: 'c' } }) as Activity;

test('turns to the same serviceUrl share one connector; another serviceUrl gets its own', async () => {
  const auth = new ClientReusingAuthentication(new ConfigurationBotFrameworkAuthentication({}));
  const first = await auth.authenticateRequest(activity('http://127.0.0.1:1/'), '');
  const second = await auth.authenticateRequest(activity('http://127.0.0.1:1/'), '');
  const a = await first.connectorFactory!.create('http://127.0.0.1:1/', first.audience);
  const b = await second.connectorFactory!.create('http://127.0.0.1:1/', second.audience);
  const other = await second.connectorFactory!.create('http://127.0.0.1:2/', second.audience);
  expect(b).toBe(a);
  expect(other).not.toBe(a);
  expect(other.conversations).toBeDefined();

  // Proactive sends (outbox, handoff hub) build their factory from a claims identity: same cache.
  const proactive = await auth.createConnectorFactory(first.claimsIdentity).create('http://127.0.0.1:1/', first.audience);
  expect(proactive).toBe(a);
});

test('one user-token client per bot app id', async () => {
  const auth = new ClientReusingAuthentication(new ConfigurationBotFrameworkAuthentication({}));
  const bot = (appId: string) => new ClaimsIdentity([{ type: 'aud', value: appId }], true);
  const one = await auth.createUserTokenClient(bot('app-1'));
  expect(await auth.createUserTokenClient(bot('app-1'))).toBe(one);
  expect(await auth.createUserTokenClient(bot('app-2'))).not.toBe(one);
});

test('a bad token is still refused by botbuilder', async () => {
  const auth = new ClientReusingAuthentication(
    new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'secret' }),
  );
  await expect(auth.authenticateRequest(activity('https://example.test/'), 'Bearer not-a-token')).rejects.toThrow();
});
