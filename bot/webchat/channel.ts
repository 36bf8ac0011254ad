// The built-in web chat as a Bot Framework channel, in the same process as the bot.
//
// How a turn gets in. Activities posted by the page never go through the authenticated
// /api/messages: with Bot Framework credentials set, that route (rightly) wants a token signed by the
// Bot Framework, which our own channel cannot have. Instead the turn runs through CloudAdapterBase's
// `processActivity(AuthenticateRequestResult, ...)` overload: we supply the result of authentication
// ourselves, with
//   - a ClaimsIdentity carrying the bot's app id (the same claims botbuilder builds for
//     continueConversationAsync) and NO authentication type, so `isAuthenticated` is false and code
//     that must only trust authenticated channels (e.g. `handoff.status`) can tell this path apart;
//   - our own ConnectorFactory, whose ConnectorClient posts replies back to this server without an
//     AAD token (no call to login.microsoftonline.com, so it works offline and with credentials).
// The same adapter, middleware (transcript, conversation references, handoff hub) and bot run the turn,
// queued per conversation exactly like /api/messages (the ConversationQueue from app.ts).
//
// How replies get out. The activity's serviceUrl is this server's own loopback address; replies and
// proactive messages (the handoff hub's adapter.continueConversationAsync, later, from a stored
// conversation reference; the outbox) go through a real ConnectorClient, as the Bot Framework REST call
// POST /v3/conversations/:id/activities[/:replyToId], to this channel, which appends them to the
// conversation's activity list. The client's HTTP transport is in-process (it hands the request to
// acceptFromBot without a socket, and no such HTTP route exists): replies of turns still running while
// the server shuts down (app.close stops listening first, then drains the turns) are not lost, no HTTP
// proxy or port change can get in the way, and nobody else can write into a seller's chat. To make
// continueConversationAsync use this connector too, the adapter's
// BotFrameworkAuthentication.createConnectorFactory is wrapped: for a serviceUrl this channel issued
// (now or in an earlier run, when the port may have been different) it returns the local connector, for
// every other serviceUrl the original factory, untouched.
import type { AddressInfo } from 'node:net';
import type { Activity, TurnContext } from 'botbuilder';
import {
  type AuthenticateRequestResult,
  AuthenticationConstants,
  type BotFrameworkAuthentication,
  ClaimsIdentity,
  ConnectorClient,
  type ConnectorFactory,
} from 'botframework-connector';
import type { Server } from 'restify';
import type { BotAdapter } from '../adapter';
import type { Config } from '../config';
import { type ConversationQueue, conversationKey } from '../conversationQueue';
import { setActivityClient } from '../clientAddress';
import { isPlainObject } from '../http';
import type { Logger } from '../logger';
import type { ActivityFeed } from './feed';
import type { WebChatStore } from './store';

export const LOCAL_CHANNEL_ID = 'webchat';

/** Set in the turn state of every turn that came in through the built-in web chat. */
export const LOCAL_WEBCHAT_TURN = Symbol('localWebChatTurn');

export function isLocalWebChatTurn(context: TurnContext): boolean {
  return context.turnState.get(LOCAL_WEBCHAT_TURN) === true || localActivities.has(context.activity);
}

/** Activities this channel handed to the adapter (known from the first middleware on, unlike the turn state). */
const localActivities = new WeakSet<object>();

type ServiceClientCredentials = ConstructorParameters<typeof ConnectorClient>[0];
type HttpClient = NonNullable<NonNullable<ConstructorParameters<typeof ConnectorClient>[1]>['httpClient']>;
type WebRequest = Parameters<HttpClient['sendRequest']>[0];
type WebResponse = Awaited<ReturnType<HttpClient['sendRequest']>>;

const REPLY_PATH = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;

/** CloudAdapterBase.processActivity is protected; this is the overload we call (see the top of the file). */
interface ProcessWithResult {
  processActivity(result: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<unknown>;
}

export interface LocalChannelDeps {
  server: Server;
  config: Config;
  logger: Logger;
  adapter: BotAdapter;
  queue: ConversationQueue;
  runTurn: (context: TurnContext) => Promise<void>;
  store: WebChatStore;
  feed: ActivityFeed;
}

export class LocalChannel {
  private readonly knownServiceUrls: Set<string>;
  readonly bot: { id: string; name: string; role: 'bot' };

  constructor(private readonly deps: LocalChannelDeps) {
    this.knownServiceUrls = new Set(deps.store.knownServiceUrls());
    this.bot = { id: deps.config.MicrosoftAppId || 'seller-support-bot', name: '스마트스토어 고객센터', role: 'bot' };
  }

  /** This server's own address as the bot should reach it (known once the server listens). */
  serviceUrl(): string {
    const address = this.deps.server.address() as AddressInfo | null | string;
    // Once closed the server has no address, but turns still draining keep replying: the last one holds.
    if (!address || typeof address === 'string') {
      if (this.lastServiceUrl) return this.lastServiceUrl;
      throw new Error('the server is not listening yet');
    }
    const host =
      address.address === '::' || address.address === '0.0.0.0' || address.address === ''
        ? '127.0.0.1'
        : address.family === 'IPv6'
          ? `[${address.address}]`
          : address.address;
    this.lastServiceUrl = `http://${host}:${address.port}/`;
    return this.lastServiceUrl;
  }

  private lastServiceUrl?: string;

  isLocalServiceUrl(serviceUrl: string | undefined): boolean {
    if (!serviceUrl) return false;
    if (this.knownServiceUrls.has(serviceUrl)) return true;
    try {
      return serviceUrl === this.serviceUrl();
    } catch {
      return false;
    }
  }

  /** Routes connector creation for our serviceUrls to the local connector (see the top of the file). */
  installConnectorRouting(): void {
    const auth = (this.deps.adapter as unknown as { botFrameworkAuthentication: BotFrameworkAuthentication }).botFrameworkAuthentication;
    const original = auth.createConnectorFactory.bind(auth);
    auth.createConnectorFactory = (claimsIdentity: ClaimsIdentity): ConnectorFactory => {
      const inner = original(claimsIdentity);
      return {
        create: (serviceUrl: string, audience?: string) =>
          this.isLocalServiceUrl(serviceUrl) ? Promise.resolve(this.connector()) : inner.create(serviceUrl, audience),
      };
    };
  }

  /** A ConnectorClient whose requests are answered in-process by this channel (see the top of the file). */
  connector(): ConnectorClient {
    // Built once per address (the port is known only once listening): a ConnectorClient is a whole
    // HTTP pipeline, too much to build for every turn.
    const baseUri = this.serviceUrl();
    if (this.localConnector?.baseUri !== baseUri) {
      const credentials: ServiceClientCredentials = { signRequest: (request) => Promise.resolve(request) };
      const httpClient: HttpClient = { sendRequest: (request) => Promise.resolve(this.answerInProcess(request)) };
      this.localConnector = { baseUri, client: new ConnectorClient(credentials, { baseUri, httpClient }) };
    }
    return this.localConnector.client;
  }

  private localConnector?: { baseUri: string; client: ConnectorClient };

  private answerInProcess(request: WebRequest): WebResponse {
    const match = REPLY_PATH.exec(new URL(request.url).pathname);
    let result: { status: number; body: unknown };
    if (request.method !== 'POST' || !match) {
      result = { status: 404, body: { code: 'NotFound', message: `${request.method} ${request.url} is not served by the web chat channel` } };
    } else {
      let body: unknown;
      try {
        body = typeof request.body === 'string' ? JSON.parse(request.body) : request.body;
      } catch {
        body = undefined;
      }
      result = this.acceptFromBot(decodeURIComponent(match[1]!), match[2] ? decodeURIComponent(match[2]) : undefined, body);
    }
    const json = { 'content-type': 'application/json; charset=utf-8' };
    // core-http-compat reads the headers through toJson() only.
    const headers = { toJson: () => json, get: (name: string) => (json as Record<string, string>)[name.toLowerCase()] };
    return { request, status: result.status, headers, bodyAsText: JSON.stringify(result.body) } as unknown as WebResponse;
  }

  /**
   * Runs the bot's turn for an activity from the page, in the conversation's queue. Resolves when the
   * turn is done; failures are logged (the adapter's onTurnError has already apologised).
   * `storedServiceUrl` is the conversation's service_url as the caller already read it (the row it
   * authorised the request with): the row is written only when that differs, not on every message.
   */
  runTurn(activity: Record<string, unknown> & { conversation: { id: string } }, storedServiceUrl?: string | null, client?: string): Promise<void> {
    const serviceUrl = this.serviceUrl();
    if (!this.knownServiceUrls.has(serviceUrl)) this.knownServiceUrls.add(serviceUrl);
    if (storedServiceUrl !== serviceUrl) this.deps.store.setServiceUrl(activity.conversation.id, serviceUrl);
    const full = { ...activity, channelId: LOCAL_CHANNEL_ID, serviceUrl } as unknown as Activity;
    localActivities.add(full);
    if (client) setActivityClient(full, client);
    const appId = this.deps.config.MicrosoftAppId;
    const result: AuthenticateRequestResult = {
      audience: AuthenticationConstants.ToChannelFromBotOAuthScope,
      claimsIdentity: new ClaimsIdentity([
        { type: AuthenticationConstants.AudienceClaim, value: appId },
        { type: AuthenticationConstants.AppIdClaim, value: appId },
      ]),
      connectorFactory: { create: () => Promise.resolve(this.connector()) },
    };
    const logic = async (context: TurnContext) => {
      context.turnState.set(LOCAL_WEBCHAT_TURN, true);
      await this.deps.runTurn(context);
    };
    return this.deps.queue
      .run(conversationKey(LOCAL_CHANNEL_ID, activity.conversation.id), () => (this.deps.adapter as unknown as ProcessWithResult).processActivity(result, full, logic))
      .then(
        () => undefined,
        (error: unknown) => {
          this.deps.logger.error({ conversationId: activity.conversation.id, err: (error as Error).message }, 'web chat turn failed');
        },
      );
  }

  /** Appends an activity from the bot (a reply or a proactive message) to the conversation's list. */
  acceptFromBot(conversationId: string, activityId: string | undefined, body: unknown): { status: number; body: unknown } {
    const error = (status: number, code: string, message: string) => ({ status, body: { code, message } });
    if (!isPlainObject(body)) return error(400, 'BadRequest', 'expected a JSON activity object');
    const activity: Record<string, unknown> = { ...body };
    if (typeof activity.type !== 'string' || !activity.type) return error(400, 'BadRequest', 'activity.type is required');
    delete activity.serviceUrl;
    activity.channelId = LOCAL_CHANNEL_ID;
    activity.conversation = { id: conversationId };
    const from = isPlainObject(activity.from) ? activity.from : {};
    activity.from = { ...this.bot, ...from, role: 'bot' };
    if (activityId && !activity.replyToId) activity.replyToId = activityId;
    // Web Chat holds an activity whose replyToId it has not seen for 5 seconds, waiting for it: replies
    // to what never reaches the page (the join event, a proactive turn) must not point at it.
    if (typeof activity.replyToId !== 'string' || !this.deps.store.hasActivity(conversationId, activity.replyToId)) delete activity.replyToId;
    const stored = this.deps.feed.append(conversationId, activity);
    if (!stored) return error(404, 'NotFound', 'unknown or ended conversation');
    return { status: 200, body: { id: stored.activity.id } };
  }
}
