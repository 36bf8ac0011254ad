// A restart with the same DATA_DIR keeps a dialog's place and the transcript.
import { loadKnowledge } from '../../knowledge';
import { ask, startBot } from '../support/botServer';

const knowledge = loadKnowledge();

test('a dialog waiting on a prompt resumes after a restart, and the transcript survives', async () => {
  const first = await startBot();
  const id = 'conv-restart';
  const replies = await ask(first.url, id, '상품 삭제 어떻게 해요?');
  expect(replies).toContain(knowledge.text('delete_product.ask_resolved', 'ko'));
  await first.stop({ keepData: true });

  const second = await startBot({}, { dataDir: first.dataDir });
  try {
    const afterRestart = await ask(second.url, id, knowledge.text('button.no', 'ko'));
    expect(afterRestart.join('\n')).toContain(knowledge.text('delete_problem.ask', 'ko'));
    const transcript = await second.app.transcripts.getTranscriptActivities('test', id);
    const texts = transcript.items.map((a) => a.text);
    expect(texts).toContain('상품 삭제 어떻게 해요?');
    expect(texts).toContain(knowledge.text('delete_product.ask_resolved', 'ko'));
  } finally {
    await second.stop();
  }
});
