// Entry point: `npm start`. Reads configuration, starts the server, shuts down cleanly on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config';
import { createApp } from './app';
import { startupBanner } from './banner';
import { LOCAL_TOKEN_FILE, newLocalAgentToken } from './handoff/agents/auth';
import { createLogger } from './logger';
import { openSharedBackend } from './storage';
import { shareGeneratedSecrets } from './storage/postgres/secrets';
import { TOKEN_SECRET_FILE, newTokenSecret } from './webchat/tokens';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const shared = await openSharedBackend(config, logger); // DATABASE_URL: PostgreSQL
  // Secrets generated when not configured: made once in the database, so every instance agrees.
  if (shared) {
    await shareGeneratedSecrets(shared.coordination.pool, config.dataDir, [
      { file: LOCAL_TOKEN_FILE, generate: newLocalAgentToken },
      { file: TOKEN_SECRET_FILE, generate: newTokenSecret },
    ]);
  }
  const app = createApp(config, { logger, ...shared });
  const port = await app.listen();
  app.logger.info({ port, localMode: config.localMode, dataDir: config.dataDir, database: shared ? 'postgres' : 'sqlite' }, `bot listening on http://localhost:${port}/api/messages`);
  if (config.LOG_LEVEL !== 'silent') process.stderr.write(startupBanner(config, port, app.hub.auth.local !== undefined));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10000);
    force.unref();
    await app.close();
    await shared?.coordination.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
