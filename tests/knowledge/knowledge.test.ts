import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CUES_FILE, loadCues } from '../../intents/reading';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KNOWLEDGE_DIR, KnowledgeError, RESPONSE_KEYS, RESPONSE_PLACEHOLDERS, loadKnowledge } from '../../knowledge';

describe('shipped knowledge', () => {
  const knowledge = loadKnowledge();

  test('every answer exists in Korean and English and renders its placeholders', () => {
    for (const key of RESPONSE_KEYS) {
      const values = Object.fromEntries(RESPONSE_PLACEHOLDERS[key].map((name: string) => [name, 'VALUE']));
      for (const language of ['ko', 'en'] as const) {
        const text = knowledge.text(key, language, values);
        expect(text).not.toMatch(/\{\w*\}/);
        if (RESPONSE_PLACEHOLDERS[key].length) expect(text).toContain('VALUE');
      }
    }
  });

  test('Korean answers use the house terms, not their synonyms', () => {
    const korean = RESPONSE_KEYS.map((k) => knowledge.text(k, 'ko')).join('\n');
    expect(korean).not.toMatch(/제품|상담원/);
    expect(korean).not.toMatch(/\d{2,4}-\d{3,4}-\d{4}|@\w+\./); // no invented phone numbers or addresses
  });

  test('restore answer is the conservative one', () => {
    expect(knowledge.text('restore.policy', 'ko')).toMatch(/직접 복구할 수 없어요/);
  });
});

describe('a broken knowledge file stops loading with the file and key named', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'knowledge-'));
    cpSync(KNOWLEDGE_DIR, dir, { recursive: true, filter: (src) => !src.endsWith('.ts') });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const edit = (file: string, change: (data: any) => void) => {
    const data = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    change(data);
    writeFileSync(join(dir, file), JSON.stringify(data));
  };

  test('a missing answer', () => {
    edit('responses.json', (d) => delete d['restore.policy']);
    expect(() => loadKnowledge(dir)).toThrow(/responses\.json: restore\.policy: missing$/m);
  });

  test('a missing English text', () => {
    edit('responses.json', (d) => delete d.thanks.en);
    expect(() => loadKnowledge(dir)).toThrow(/responses\.json: thanks\.en/);
  });

  test('a placeholder the code never fills', () => {
    edit('responses.json', (d) => (d['handoff.queued'].ko += ' {phone}'));
    expect(() => loadKnowledge(dir)).toThrow(KnowledgeError);
    expect(() => loadKnowledge(dir)).toThrow(/"handoff\.queued"\.ko uses \{phone\}/);
  });

  test('a missing contact channel', () => {
    edit('channels.json', (d) => d.pop());
    expect(() => loadKnowledge(dir)).toThrow(/channels\.json: missing channel ids: inquiry/);
  });

  test('a missing facet text, and a named topic without a name', () => {
    edit('facets.json', (d) => delete d.hours.weekend.en);
    expect(() => loadKnowledge(dir)).toThrow(/facets\.json: hours\.weekend\.en: missing/);
    edit('facets.json', (d) => (d.hours.weekend.en = 'Weekends may differ.'));
    edit('outOfScope.json', (d) => delete d.settlement);
    expect(() => loadKnowledge(dir)).toThrow(/outOfScope\.json: settlement: missing/);
  });

  test('cues for a facet the answers do not know are refused', () => {
    const cues = JSON.parse(readFileSync(CUES_FILE, 'utf8'));
    cues.facets.hours.lunch = { ko: ['점심'], en: ['lunch'] };
    writeFileSync(join(dir, 'cues.json'), JSON.stringify(cues));
    expect(() => loadCues(join(dir, 'cues.json'))).toThrow(/cues\.json: facets\.hours: .*lunch/);
  });
});
