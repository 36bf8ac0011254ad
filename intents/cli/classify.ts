// npm run --silent classify -- "텍스트"  →  {"intent", "score", "ranking"}
import { IntentClassifier } from '../classifier';

const text = process.argv.slice(2).join(' ');
if (!text.trim()) {
  process.stderr.write('usage: npm run --silent classify -- "message text"\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(IntentClassifier.fromProjectData().classify(text))}\n`);
