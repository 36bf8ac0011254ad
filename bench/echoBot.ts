// The reference for the turn benchmark: the smallest botbuilder bot on the same server stack as ours
// (restify 11, the same JSON body parser with the same limit, CloudAdapter with
// ConfigurationBotFrameworkAuthentication and no credentials), replying "Echo: <text>" from an
// ActivityHandler. No state, no storage, no transcript, no NLU: everything ours does beyond that is
// what the ratio measures.  node dist/bench/echoBot.js  (PORT, default 3979)
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import restify from 'restify';
import { jsonBody } from '../bot/http';

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity(`Echo: ${context.activity.text ?? ''}`);
      await next();
    });
  }
}

function main(): void {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  adapter.onTurnError = async (context, error) => {
    process.stderr.write(`echo turn failed: ${error.message}\n`);
    await context.sendActivity('Sorry, something went wrong.');
  };
  const bot = new EchoBot();
  const server = restify.createServer({ name: 'echo-bot', handleUncaughtExceptions: false });
  server.get('/healthz', (_req, res, next) => {
    res.json({ status: 'ok' });
    next();
  });
  server.post('/api/messages', ...jsonBody(262144), async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  server.listen(Number(process.env.PORT ?? 3979), () => undefined);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();
