import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntentClassifier } from '../../intents/classifier';
import { FACETS, FACET_TOPICS } from '../../intents/facetIds';
import { FACETS_DIR, FacetModel, OVERVIEW, loadFacetExamples } from '../../intents/facetModel';
import { MessageReader } from '../../intents/reading';

describe('facet examples', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facets-'));
    for (const name of readdirSync(FACETS_DIR)) writeFileSync(join(dir, name), readFileSync(join(FACETS_DIR, name)));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const rewrite = (topic: string, edit: (data: { topic: string; overview: string[]; facets: Record<string, string[]> }) => void) => {
    const file = join(dir, `${topic}.json`);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    edit(data);
    writeFileSync(file, JSON.stringify(data));
  };

  test('every topic with facets has labelled examples for each of its facets and for its overview', () => {
    const examples = loadFacetExamples();
    for (const topic of FACET_TOPICS) {
      for (const facet of [OVERVIEW, ...FACETS[topic]]) expect(examples.filter((e) => e.topic === topic && e.facet === facet).length).toBeGreaterThanOrEqual(4);
    }
  });

  test('a malformed file is refused naming the file and what is wrong', () => {
    rewrite('hours', (d) => (d.facets.sunday = ['일요일']));
    expect(() => loadFacetExamples(dir)).toThrow(/hours\.json: facets must be weekend, holiday, night, now; unknown sunday/);
    rewrite('hours', (d) => {
      delete d.facets.sunday;
      delete d.facets.night;
    });
    expect(() => loadFacetExamples(dir)).toThrow(/hours\.json: .*missing night/);
    rewrite('hours', (d) => (d.facets.night = [' ']));
    expect(() => loadFacetExamples(dir)).toThrow(/hours\.json: facets\.night\.0: empty example/);
    rmSync(join(dir, 'hours.json'));
    expect(() => loadFacetExamples(dir)).toThrow(/no facet examples for hours/);
    writeFileSync(join(dir, 'hours.json'), '{"topic": ');
    expect(() => loadFacetExamples(dir)).toThrow(/hours\.json: not valid JSON/);
  });
});

describe('learned facets', () => {
  const model = new FacetModel();
  // Said in words the examples do not have: what a cue list would only catch word by word.
  test.each([
    ['delete_product', '재고 없는 상품 삼십 개 동시에 삭제 가능?', 'bulk'],
    ['delete_product', 'where exactly is the button to remove it', 'where'],
    ['restore_product', '복원은 누구 담당이에요', 'who'],
    ['restore_product', 'how many days do I have before it is gone for good', 'deadline'],
    ['hours', '토요일 오후에도 문의 받으세요?', 'weekend'],
    ['prepare_info', '캡처 이미지 있으면 도움 돼요?', 'screenshot'],
    ['wait_time', '메일 회신은 보통 하루 정도 걸려요?', 'email'],
  ] as const)('%s: "%s" → %s', (topic, text, facet) => {
    expect(model.guess(topic, text)).toMatchObject({ facet });
  });

  test('a general question gets the overview, and another topic is told apart', () => {
    const reader = new MessageReader(IntentClassifier.fromProjectData(), undefined, model);
    expect(reader.read('상담 가능한 시간 알려 주세요')).toEqual({ intent: 'hours', score: expect.any(Number) });
    expect(reader.read('what are the steps to delete a listing')).toEqual({ intent: 'delete_product', score: expect.any(Number) });
    expect(model.guess('delete_product', '복구 기한이 있나요')!.otherTopic).toBeGreaterThan(0.5);
  });
});
