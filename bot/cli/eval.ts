// npm run --silent eval -- --conversations FILE.json [--json]   runs multi-turn conversations through the whole bot
// Anything else is the classifier's own evaluation (intents/cli/eval.ts), which needs no server or storage.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

async function conversations(): Promise<void> {
  const { values } = parseArgs({ options: { conversations: { type: 'string' }, json: { type: 'boolean' } } });
  const { describeReport, readConversationSet, runConversations } = await import('../conversationEval.js');
  // npm runs scripts from the project folder; INIT_CWD is where the user typed the command.
  const report = await runConversations(readConversationSet(resolve(process.env.INIT_CWD ?? process.cwd(), values.conversations!)));
  process.stdout.write(`${values.json ? JSON.stringify(report) : describeReport(report)}\n`);
}

if (process.argv.includes('--conversations')) {
  conversations().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  });
} else {
  require('../../intents/cli/eval');
}
