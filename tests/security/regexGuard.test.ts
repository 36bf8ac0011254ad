// Every regular expression in the project's source must stay linear on hostile input: one message must
// never freeze the event loop. The literals are collected from the source with the TypeScript scanner, so
// a new regex is covered without touching this test; patterns built at run time (new RegExp) are listed
// below with the values they are built from, and the test fails when one appears that it does not know.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { loadCues } from '../../intents/reading';

const ROOT = join(__dirname, '..', '..');
const FOLDERS = ['bot', 'dialogs', 'intents', 'knowledge'];
const INPUT_LENGTH = 100_000;
/**
 * Judged by growth, not by a clock alone: from 10k to 100k characters a linear pattern takes ~10 times as
 * long and a quadratic one ~100 times (seconds). Absolute budgets failed linear patterns whenever the 2-core
 * machine was loaded (15 ms at 10k, 110 ms at 100k); a ratio is steady under load.
 */
const MAX_GROWTH = 30;
/** Below this at 100k characters a pattern is harmless whatever its growth (timer noise dominates). */
const NOISE_MS = 60;
/** Above this at 100k characters a pattern fails whatever its growth. */
const CEILING_MS = 2000;

interface Found {
  where: string;
  regex: RegExp;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function literalsIn(file: string): { found: Found[]; dynamic: string[] } {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const found: Found[] = [];
  const dynamic: string[] = [];
  const visit = (node: ts.Node) => {
    const where = `${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    if (ts.isRegularExpressionLiteral(node)) {
      const literal = node.text;
      const end = literal.lastIndexOf('/');
      found.push({ where, regex: new RegExp(literal.slice(1, end), literal.slice(end + 1)) });
    } else if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') {
      dynamic.push(`${where} ${node.getText().slice(0, 80)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { found, dynamic };
}

const collected = FOLDERS.flatMap((f) => sourceFiles(join(ROOT, f))).map(literalsIn);
const literals = collected.flatMap((c) => c.found);
const dynamicSites = collected.flatMap((c) => c.dynamic);

// Patterns built at run time, as the code builds them from its fixed keys (bot/webchat/uploads.ts).
const KNOWN_DYNAMIC = new Map<string, RegExp[]>([
  [
    'bot/webchat/uploads.ts',
    ['filename', 'name'].flatMap((key) => [
      new RegExp(`;\\s*${key}\\*=(?:UTF-8'')?([^;]+)`, 'i'),
      new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i'),
      new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i'),
    ]),
  ],
  // The English cue words of intents/cues.json, each list compiled into one alternation.
  ['intents/reading.ts', cueRegexes()],
]);

function cueRegexes(): RegExp[] {
  const cues = loadCues();
  const matchers = [...Object.values(cues.facets).flatMap((list) => list.map(([, m]) => m)), ...cues.outOfScope.map(([, m]) => m), ...Object.values(cues.acts)];
  return matchers.flatMap((m) => (m.en ? [m.en] : []));
}

/** Words in the pattern itself ("상품", "product"): hostile input starts with what lets the pattern get going. */
function literalPrefixes(regex: RegExp): string[] {
  // Optional spaces dropped first, so that "상품\s*번호" gives 상품번호.
  const words = regex.source.replace(/\\s[*+?]?/g, '').replace(/\\[a-zA-Z]/g, ' ').match(/[\p{L}\p{N}@.:#-]{2,}/gu) ?? [];
  return [...new Set(words)].slice(0, 3);
}

// Runs of spaces, jamo (compatibility and conjoining), repeated separators, emoji, digits and mixed scripts.
const FILLERS = [' ', '\n', 'ㄱ', 'ᄀ', '-', '.:#/=;', '😀', '1', 'a', '가a1- \u200b😀', '"\\', 'ab@. '];

function adversarialInputs(regex: RegExp, length: number): string[] {
  const inputs: string[] = [];
  for (const prefix of ['', ...literalPrefixes(regex)]) {
    for (const filler of FILLERS) {
      const body = filler.repeat(Math.ceil((length - prefix.length - 1) / filler.length)).slice(0, length - prefix.length - 1);
      inputs.push(`${prefix}${body}!`);
      // The prefix over and over: every start position gets going.
      if (prefix) inputs.push(`${prefix}${filler.repeat(20)}`.repeat(Math.ceil(length / (prefix.length + 20 * filler.length))).slice(0, length));
    }
  }
  return inputs;
}

/** Best of three runs (the machine is shared); a run far over the ceiling counts at once. */
function timeOn(regex: RegExp, input: string): number {
  const once = () => {
    const copy = new RegExp(regex.source, regex.flags);
    const started = performance.now();
    if (copy.global) input.replace(copy, '');
    else copy.test(input);
    return performance.now() - started;
  };
  let best = once();
  for (let i = 0; i < 2 && best > NOISE_MS && best <= 5 * CEILING_MS; i++) best = Math.min(best, once());
  return best;
}

const everyRegex = (): Found[] => [
  ...literals,
  ...[...KNOWN_DYNAMIC].flatMap(([file, list]) => list.map((regex) => ({ where: `${file} (new RegExp)`, regex }))),
];

test('the collector finds the project regexes (a sanity check on the scanner)', () => {
  expect(literals.length).toBeGreaterThan(30);
  expect(literals.some((l) => l.where.startsWith('bot/handoff/summary.ts'))).toBe(true);
});

test('every regex built at run time is known here (add new ones to KNOWN_DYNAMIC)', () => {
  const files = new Set(dynamicSites.map((s) => s.split(':')[0]));
  expect([...files].filter((f) => !KNOWN_DYNAMIC.has(f!))).toEqual([]);
});

test('every regex stays linear on 10k- and 100k-character adversarial inputs', () => {
  const slow: string[] = [];
  for (const { where, regex } of everyRegex()) {
    const short = adversarialInputs(regex, INPUT_LENGTH / 10);
    const long = adversarialInputs(regex, INPUT_LENGTH);
    for (const [i, input] of long.entries()) {
      const ms = timeOn(regex, input);
      if (ms <= NOISE_MS) continue;
      const shortMs = short[i] === undefined ? 0 : timeOn(regex, short[i]!);
      const growth = ms / Math.max(shortMs, 0.5);
      if (ms > CEILING_MS || growth > MAX_GROWTH) {
        slow.push(`${where} ${regex} took ${ms.toFixed(0)} ms on ${input.length} characters (${growth.toFixed(0)}× its 10k time): ${JSON.stringify(input.slice(0, 24))}…`);
        break;
      }
    }
  }
  expect(slow).toEqual([]);
});
