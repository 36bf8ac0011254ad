// The command-line contract, run the way a user runs it: through npm, from another folder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTENTS } from '../../intents/intentIds';

const root = join(__dirname, '..', '..');
const npm = (args: string[], cwd = root) => execFileSync('npm', ['run', '--silent', '--prefix', root, ...args], { cwd, encoding: 'utf8' });

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root });
});

test('classify prints one JSON object with intent, score and a full ranking', () => {
  const output = npm(['classify', '--', '상담사 연결해 주세요']);
  expect(output.trim().split('\n')).toHaveLength(1);
  const result = JSON.parse(output);
  expect(result.intent).toBe('agent');
  expect(result.ranking.map((r: { intent: string }) => r.intent).sort()).toEqual([...INTENTS].sort());
});

test('classify keeps the fixed intent ids; facets, named out-of-scope topics and acts are extra fields', () => {
  const named = JSON.parse(npm(['classify', '--', '정산금은 언제 들어오나요']));
  expect(named).toMatchObject({ intent: 'none', oosTopic: 'settlement' });
  const facet = JSON.parse(npm(['classify', '--', 'are you open on saturdays?']));
  expect(facet).toMatchObject({ intent: 'hours', facet: 'weekend' });
  const farewell = JSON.parse(npm(['classify', '--', '그럼 이만 안녕히 계세요']));
  expect(INTENTS).toContain(farewell.intent);
  expect(farewell.act).toBe('farewell');
  const two = JSON.parse(npm(['classify', '--', 'what are your hours and how long do emails take?']));
  expect(two.parts).toEqual([{ intent: 'hours' }, { intent: 'wait_time', facet: 'email' }]);
});

test('eval --conversations runs the conversation set through the bot and reports turn accuracy as JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-'));
  try {
    const set = { conversations: [{ id: 'two', language: 'en', turns: [{ say: 'when are you open?', expect: { answers: ['hours'] } }, { say: 'sundays too?', expect: { answers: ['hours.weekend'] } }] }] };
    writeFileSync(join(dir, 'set.json'), JSON.stringify(set));
    const report = JSON.parse(npm(['eval', '--', '--conversations', 'set.json', '--json'], dir));
    expect(report).toMatchObject({ conversations: 1, turns: 2, correct: 2, turnAccuracy: 1 });
    expect(npm(['eval', '--', '--conversations', 'set.json'], dir)).toMatch(/turn accuracy +100\.0% \(2\/2 turns\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval reads a file relative to where it was run and reports metrics as JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-'));
  try {
    writeFileSync(
      join(dir, 'set.jsonl'),
      ['{"text": "삭제한 상품 복구돼요?", "intent": "restore_product"}', '{"text": "오늘 점심 뭐 먹지", "intent": "none"}', ''].join('\n'),
    );
    const result = JSON.parse(npm(['eval', '--', '--data', 'set.jsonl', '--json'], dir));
    expect(result.predictions).toHaveLength(2);
    expect(Object.keys(result.predictions[0]).sort()).toEqual(['expected', 'predicted', 'score', 'text']);
    for (const key of ['inScopeAccuracy', 'oosRecall', 'oosPrecision', 'macroF1']) expect(typeof result[key]).toBe('number');
    const report = npm(['eval', '--', '--data', 'set.jsonl'], dir);
    expect(report).toMatch(/in-scope accuracy/);
    expect(report).toMatch(/misclassified/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval --dump-training prints every training example as a JSON line', () => {
  const lines = npm(['eval', '--', '--dump-training']).trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.length).toBeGreaterThan(13 * 40);
  expect(new Set(lines.map((l) => l.intent))).toEqual(new Set(INTENTS));
});
