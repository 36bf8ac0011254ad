// A read that many events may ask for at once: one run at a time, and a request made during a run asks
// for exactly one more run after it, so the last request is always followed by a complete read.
export function coalesce(read: () => Promise<void>, onError: (error: unknown) => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await read().catch(onError);
      } while (again);
    })().finally(() => (running = undefined));
    return running;
  };
}
