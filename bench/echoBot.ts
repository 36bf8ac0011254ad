// The reference for the turn benchmark: the smallest botbuilder bot on the same server stack as ours
// (bench/referenceServer: restify 11, the same JSON body parser with the same limit), with CloudAdapter
// over ConfigurationBotFrameworkAuthentication and no credentials, replying "Echo: <text>" from an
// ActivityHandler. No state, no storage, no transcript, no NLU: everything ours does beyond that is
// what the ratio measures.  node dist/bench/echoBot.js  (PORT, default 3979)
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { serveReferenceBot } from './referenceServer';

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
  serveReferenceBot('echo-bot', 3979, new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})), new EchoBot());
}

if (require.main === module) main();
