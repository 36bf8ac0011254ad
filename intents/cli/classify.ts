// npm run --silent classify -- "텍스트"  →  {"intent", "score", "ranking"} and, when the message has them,
// "facet", "oosTopic", "act", "parts" (the message read on its own, without a conversation before it).
import { IntentClassifier } from '../classifier';
import { MessageReader } from '../reading';

const text = process.argv.slice(2).join(' ');
if (!text.trim()) {
  process.stderr.write('usage: npm run --silent classify -- "message text"\n');
  process.exit(2);
}
const classifier = IntentClassifier.fromProjectData();
const classification = classifier.classify(text);
// The intent stays the classifier's, one of the fixed ids; what a reading adds are extra fields.
const { facet, oosTopic, act, parts } = new MessageReader(classifier).read(text);
const extras = { facet, oosTopic, act, parts: parts?.map((p) => ({ intent: p.intent, facet: p.facet })) };
process.stdout.write(`${JSON.stringify({ ...classification, ...extras })}\n`);
