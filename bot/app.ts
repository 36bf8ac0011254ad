// Wires the bot together: configuration → storage → NLU and knowledge → channels → dialogs → HTTP.
import { join } from 'node:path';
import type { TurnContext } from 'botbuilder';
import restify, { type Server } from 'restify';
import { MainDialog } from '../dialogs/mainDialog';
import { readerFor } from '../dialogs/understanding';
import type { BotServices } from '../dialogs/services';
import { TURN_INTENT_KEY, turnLanguage, turnOutcome } from '../dialogs/turn';
import { IntentClassifier } from '../intents/classifier';
import { loadKnowledge } from '../knowledge';
import { type Channel, Channels, installTurnMiddleware } from './channels';
import { createBotFrameworkChannel } from './channels/botframework';
import { createKakaoChannel } from './channels/kakao';
import { createTalkTalkChannel } from './channels/talktalk';
import type { ChannelDeps } from './channels/middleware';
import type { Config } from './config';
import { type Coordination, inProcessCoordination } from './coordination';
import { HandoffHub } from './handoff/hub';
import { type Logger, createLogger } from './logger';
import { Outbox } from './outbox';
import { RetentionJob } from './retention';
import { SellerBot } from './sellerBot';
import { type Stores, openStores } from './storage';
import { DurableConversationState } from './storage/durableConversationState';
import type { TranscriptRepo } from './storage/ports';
import { createWebChat } from './webchat';

export interface AppOptions {
  logger?: Logger;
  /** Injected clock for tests (business hours, handoff time-outs). */
  now?: () => Date;
  /** More channels, made like the ones below (tests plug in a fake messenger this way). */
  channels?: ((deps: ChannelDeps) => Channel)[];
  /** Turn lock, presence, fan-out, jobs, rate limits: in this process unless a shared backend is given. */
  coordination?: Coordination;
  /** Everything durable: SQLite in DATA_DIR unless a shared backend is given (closed with the app). */
  stores?: Stores;
}

export interface BotApp {
  server: Server;
  /** Every channel, and which one owns a conversation (bot/channels). */
  channels: Channels;
  hub: HandoffHub;
  transcripts: TranscriptRepo;
  /** Durable delivery to channels (bot/outbox). */
  outbox: Outbox;
  retention: RetentionJob;
  config: Config;
  logger: Logger;
  /** Starts listening; resolves with the port actually bound (PORT=0 picks a free one). */
  listen(port?: number, host?: string): Promise<number>;
  /** Stops accepting, lets running turns finish, closes long-lived connections and storage. */
  close(): Promise<void>;
}

export function createApp(config: Config, options: AppOptions = {}): BotApp {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const now = options.now ?? (() => new Date());
  const stores = options.stores ?? openStores(config, logger);
  const coordination = options.coordination ?? inProcessCoordination({ logger, now });
  const { transcripts, references } = stores;
  const conversationState = new DurableConversationState(stores.dialogState);
  const knowledge = loadKnowledge();
  const classifier = IntentClassifier.fromProjectData();
  // The conversation reading's cues are checked now, not at the first message.
  readerFor(classifier);

  const channels = new Channels(references);
  // Everything for a channel is stored before it is sent, and retried until the channel takes it.
  const outbox = new Outbox({
    store: stores.outbox,
    logger,
    channels,
    attemptTimeoutMs: config.CHANNEL_TIMEOUT_MS,
    retryBaseMs: config.OUTBOX_RETRY_BASE_MS,
    retryMaxMs: config.OUTBOX_RETRY_MAX_MS,
    maxAgeMs: config.OUTBOX_MAX_AGE_HOURS * 3_600_000,
    maxPendingPerOrigin: config.localMode ? config.OUTBOX_MAX_PENDING_PER_ORIGIN : undefined,
  });
  const hub = new HandoffHub({ config, logger, knowledge, handoff: stores.handoff, agentSessions: stores.agentSessions, channels, transcripts, now, classifier, coordination, outbox });

  const services: BotServices = { classifier, knowledge, config, handoff: hub, now };
  const bot = new SellerBot(services, conversationState, new MainDialog(services));

  const runTurn = async (context: TurnContext) => {
    const started = performance.now();
    await bot.run(context);
    const { answers, act } = turnOutcome(context);
    logger.info(
      {
        channelId: context.activity.channelId,
        conversationId: context.activity.conversation?.id,
        activityType: context.activity.type,
        intent: context.turnState.get(TURN_INTENT_KEY),
        answers,
        act,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
      },
      'turn',
    );
  };

  const server = restify.createServer({ name: 'seller-support-bot', maxParamLength: 1000, handleUncaughtExceptions: false });
  server.get('/healthz', (_req, res, next) => {
    res.json({ status: 'ok', localMode: config.localMode });
    next();
  });
  // --- Channels (bot/channels): a new messenger is a folder there and one line here ---
  const { turns, events, rateLimits } = coordination;
  const channelDeps: ChannelDeps = { config, logger, turns, events, rateLimits, runTurn, outbox, stores, now };
  channels.add(createBotFrameworkChannel(channelDeps, channels));
  const webChat = config.localWebChat ? channels.add(createWebChat(channelDeps)) : undefined;
  const kakao = createKakaoChannel(channelDeps, { knowledge, handoff: hub.store });
  if (kakao) channels.add(kakao);
  if (config.TALKTALK_ENABLED) channels.add(createTalkTalkChannel(channelDeps, { knowledge }));
  for (const create of options.channels ?? []) channels.add(create(channelDeps));
  // --- end channels ---
  const turnMiddleware = { config, logger, knowledge, transcripts, unitOfWork: stores.unitOfWork, references, seller: hub.sellerMiddleware(), languageOf: turnLanguage };
  for (const channel of channels.list()) {
    installTurnMiddleware(channel, turnMiddleware);
    channel.registerRoutes?.(server);
  }
  hub.registerRoutes(server);
  const retention = new RetentionJob({
    retentionDays: config.TRANSCRIPT_RETENTION_DAYS,
    logger,
    transcripts,
    handoff: hub.store,
    outbox,
    webChat: webChat ? { store: webChat.store, uploadsDir: join(config.dataDir, 'uploads') } : undefined,
    now,
  });
  for (const job of [hub.job, outbox.job, retention.job, ...stores.jobs, ...(kakao ? [kakao.job] : [])]) coordination.jobs.add(job);

  let closed = false;
  return {
    server,
    channels,
    hub,
    transcripts,
    outbox,
    retention,
    config,
    logger,
    listen: (port = config.PORT, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          hub.announceConsole();
          for (const channel of channels.list()) channel.start?.();
          coordination.jobs.start(); // the outbox's first sweep resumes deliveries an earlier run left undelivered
          resolve((server.address() as { port: number }).port);
        });
      }),
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const channel of channels.list()) await channel.close?.(); // releases long polls, stops channel timers
      await coordination.jobs.stop();
      await hub.close();
      await turns.drain();
      await outbox.close(); // after the turns: their replies go through it; what is left stays stored
      await stopped;
      await stores.close();
    },
  };
}
