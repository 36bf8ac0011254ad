// Units of work: a store call finds the transaction of the turn it runs in, across awaits and timers,
// without it being passed along; concurrent turns each keep their own.
import { TransactionalUnitOfWork, directUnitOfWork } from '../../bot/storage/unitOfWork';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

function recordingUnitOfWork() {
  const log: string[] = [];
  let n = 0;
  const uow = new TransactionalUnitOfWork<string>(async (key) => {
    const tx = `tx${++n}:${key}`;
    log.push(`begin ${tx}`);
    return { tx, commit: async () => void log.push(`commit ${tx}`), rollback: async () => void log.push(`rollback ${tx}`) };
  });
  return { uow, log };
}

test('the transaction is found inside the work, across awaits, and is committed when the work resolves', async () => {
  const { uow, log } = recordingUnitOfWork();
  const seen: (string | undefined)[] = [];
  const result = await uow.run('test\nconv-1', async () => {
    seen.push(uow.current());
    await tick();
    seen.push(await new Promise<string | undefined>((resolve) => setImmediate(() => resolve(uow.current()))));
    return 42;
  });
  expect(result).toBe(42);
  expect(seen).toEqual(['tx1:test\nconv-1', 'tx1:test\nconv-1']);
  expect(uow.current()).toBeUndefined();
  expect(log).toEqual(['begin tx1:test\nconv-1', 'commit tx1:test\nconv-1']);
});

test('two conversations at once each see their own transaction', async () => {
  const { uow } = recordingUnitOfWork();
  const inside = (key: string) =>
    uow.run(key, async () => {
      const first = uow.current();
      await tick();
      return [first, uow.current()];
    });
  const [a, b] = await Promise.all([inside('a'), inside('b')]);
  expect(a![0]).toBe(a![1]);
  expect(b![0]).toBe(b![1]);
  expect(a![0]).not.toBe(b![0]);
});

test('work that throws rolls back; a nested run of the same conversation joins, another conversation is refused', async () => {
  const { uow, log } = recordingUnitOfWork();
  await expect(uow.run('a', async () => Promise.reject(new Error('turn failed')))).rejects.toThrow('turn failed');
  expect(log).toEqual(['begin tx1:a', 'rollback tx1:a']);
  log.length = 0;
  await uow.run('a', async () => {
    expect(await uow.run('a', async () => uow.current())).toBe('tx2:a');
    await expect(uow.run('b', async () => undefined)).rejects.toThrow(/unit of work for b started inside the one for a/);
  });
  expect(log).toEqual(['begin tx2:a', 'commit tx2:a']);
});

test("SQLite's unit of work runs the work as it is", async () => {
  expect(await directUnitOfWork.run('a', async () => 'done')).toBe('done');
});
