// The conversation evaluation itself: turns really go through the server, and a wrong expectation is reported.
import { join } from 'node:path';
import { conversationSetSchema, readConversationSet, runConversations } from '../../bot/conversationEval';

describe('conversation evaluation', () => {
  test('runs turns through the server and the hub, and reports each failure', async () => {
    const set = conversationSetSchema.parse({
      conversations: [
        { id: 'right', language: 'ko', turns: [{ say: '삭제한 상품을 복구하고 싶어요', expect: { answers: ['restore_product'] } }] },
        {
          id: 'queue',
          language: 'ko',
          turns: [
            { say: '상담사 연결해 주세요', expect: { handoff: true, queue: 'waiting' } },
            { say: '취소', expect: { queue: 'none' } },
          ],
        },
        { id: 'wrong', language: 'ko', turns: [{ say: '삭제한 상품을 복구하고 싶어요', expect: { answers: ['hours'] } }] },
      ],
    });
    const report = await runConversations(set);
    expect(report.results.map((r) => [r.conversation, r.ok])).toEqual([
      ['right', true],
      ['queue', true],
      ['queue', true],
      ['wrong', false],
    ]);
    expect(report.results[3].problems[0]).toMatch(/answers \["restore_product"\] ≠ \["hours"\]/);
    expect(report.turnAccuracy).toBeCloseTo(3 / 4);
  });
});

test('the held-out conversation set is well formed and large enough', () => {
  const set = readConversationSet(join(__dirname, 'heldout.json'));
  expect(set.conversations.length).toBeGreaterThanOrEqual(60);
  expect(set.conversations.flatMap((c) => c.turns).length).toBeGreaterThanOrEqual(150);
  expect(new Set(set.conversations.map((c) => c.id)).size).toBe(set.conversations.length);
});
