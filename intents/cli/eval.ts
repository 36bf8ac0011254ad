// npm run --silent eval -- --data FILE.jsonl [--json]   scores the classifier on labelled lines
// npm run --silent eval -- --dump-training              prints the training examples as JSON lines
// (with --conversations, bot/cli/eval.ts runs whole conversations through the bot instead)
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { IntentClassifier } from '../classifier';
import { type Evaluation, evaluate, readJsonl } from '../evaluate';
import { loadTrainingExamples } from '../trainingData';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function report(result: Evaluation): string {
  const lines: string[] = [];
  lines.push(`in-scope accuracy  ${pct(result.inScopeAccuracy)}`);
  lines.push(`out-of-scope recall ${pct(result.oosRecall)}   precision ${pct(result.oosPrecision)}`);
  lines.push(`macro F1           ${result.macroF1.toFixed(3)}`, '');
  lines.push(`${'intent'.padEnd(18)}${'support'.padStart(8)}${'precision'.padStart(11)}${'recall'.padStart(9)}${'f1'.padStart(8)}`);
  for (const l of result.perLabel) {
    lines.push(`${l.intent.padEnd(18)}${String(l.support).padStart(8)}${pct(l.precision).padStart(11)}${pct(l.recall).padStart(9)}${l.f1.toFixed(3).padStart(8)}`);
  }
  lines.push('', 'confusion (expected → predicted: count)');
  for (const [expected, row] of Object.entries(result.confusion)) {
    const off = Object.entries(row).filter(([predicted]) => predicted !== expected);
    if (off.length) lines.push(`  ${expected}: ${off.map(([p, n]) => `${p} ${n}`).join(', ')}`);
  }
  const wrong = result.predictions.filter((p) => p.predicted !== p.expected);
  lines.push('', `misclassified (${wrong.length})`);
  for (const p of wrong) lines.push(`  [${p.expected} → ${p.predicted} ${p.score.toFixed(2)}] ${p.text}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { data: { type: 'string' }, json: { type: 'boolean' }, 'dump-training': { type: 'boolean' } },
  });
  if (values['dump-training']) {
    for (const e of loadTrainingExamples()) process.stdout.write(`${JSON.stringify({ text: e.text, intent: e.intent })}\n`);
    return;
  }
  if (!values.data) throw new Error('usage: npm run --silent eval -- --data FILE.jsonl [--json] | --conversations FILE.json [--json] | --dump-training');
  // npm runs scripts from the project folder; INIT_CWD is where the user typed the command.
  const file = resolve(process.env.INIT_CWD ?? process.cwd(), values.data);
  const result = evaluate(IntentClassifier.fromProjectData(), readJsonl(file));
  if (values.json) {
    const { predictions, inScopeAccuracy, oosRecall, oosPrecision, macroF1 } = result;
    process.stdout.write(`${JSON.stringify({ predictions, inScopeAccuracy, oosRecall, oosPrecision, macroF1 })}\n`);
  } else {
    process.stdout.write(`${report(result)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
});
