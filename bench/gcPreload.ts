// Preloaded into the bot for the memory measurement only (node --expose-gc -r dist/bench/gcPreload.js):
// on SIGUSR2 it runs a full garbage collection and writes process.memoryUsage() as one JSON line to
// stderr. It changes nothing else in the process.
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  process.stderr.write(`${JSON.stringify({ bench: 'gc', collected: Boolean(gc), memoryUsage: process.memoryUsage() })}\n`);
});
