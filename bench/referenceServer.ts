// The server stack the reference bots of the turn benchmark share (echo, floor): restify 11 and the
// same JSON body parser with the same limit as ours, /healthz, /api/messages, stop on SIGTERM/SIGINT.
import type { ActivityHandler, CloudAdapter } from 'botbuilder';
import restify from 'restify';
import { jsonBody } from '../bot/http';

export function serveReferenceBot(name: string, defaultPort: number, adapter: CloudAdapter, bot: ActivityHandler): void {
  adapter.onTurnError = async (context, error) => {
    process.stderr.write(`${name} turn failed: ${error.message}\n`);
    await context.sendActivity('Sorry, something went wrong.');
  };
  const server = restify.createServer({ name, handleUncaughtExceptions: false });
  server.get('/healthz', (_req, res, next) => {
    res.json({ status: 'ok' });
    next();
  });
  server.post('/api/messages', ...jsonBody(262144), async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  server.listen(Number(process.env.PORT ?? defaultPort), () => undefined);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
