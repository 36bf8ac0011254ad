// Run by `npm run build`: trains the intent model once so that `npm start` only loads it.
import { IntentClassifier } from '../classifier';

const started = performance.now();
const classifier = IntentClassifier.fromProjectData();
process.stdout.write(`intent model ready: ${classifier.featureCount} features in ${Math.round(performance.now() - started)} ms\n`);
