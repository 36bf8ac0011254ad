// npm run bench [-- --json] [-- --quick] [-- --floor]
//
// One run measures, on this machine: the classifier (ready time, latency over >= 10,000 messages,
// memory), turns over HTTP against our bot and, alternating in the same run, a minimal botbuilder echo
// bot on the same server stack (throughput and latency at 8 connections, and the ratio), the bot's RSS
// after 10,000 conversations of three turns, and its start-up time to a ready /healthz. It prints a
// table, or with --json one JSON object (progress goes to stderr either way). With --floor a third
// server joins the alternation, the floor bot (bench/floorBot.ts: the echo stack plus only the dialogs
// and conversation state ours must use), to show how much of the ratio the required stack alone takes.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TURNS_PER_CONVERSATION, type RoundResult, type TextPool, driveConversations, runRound, textPool } from './load';
import { loadClassifier, measureNlu } from './nlu';
import { type ServerProcess, collectGarbage, processCpuMs, processMemory, startServer } from './processes';
import { MB, median, round, summarize } from './stats';

const ECHO_STACK = 'restify 11 + the same JSON body parser and limit + CloudAdapter (no credentials) + ActivityHandler echo; no state, storage, transcript or NLU';
const FLOOR_STACK =
  'the echo stack with connector clients reused (bot/reusedClients) + ConversationState over MemoryStorage, saved once per turn + a ComponentDialog whose WaterfallDialog answers and asks with a TextPrompt every turn; no NLU, SQLite, transcript or handoff';
const OURS_STACK = 'node dist/bot/index.js with the flags of npm start: local mode, SQLite state + transcript in a temp DATA_DIR, LOG_LEVEL=warn';

const TARGETS = {
  nluP99Ms: 0.5,
  /** A regression guard, not a goal: ours sits at about 0.45–0.48 of echo, rounds vary by about ±0.05. */
  throughputRatio: 0.4,
  p99Ratio: 2,
  rssMb: 300,
  startupMs: 2000,
};

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    /** Also measure the floor bot; kept out of settings so the report without it is unchanged. */
    floor: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'round-seconds': { type: 'string' },
    conversations: { type: 'string' },
    connections: { type: 'string', default: '8' },
    'node-args': { type: 'string' },
  },
});

/** The node flags `npm start` runs the bot with, so the benchmark measures the bot as it is deployed. */
function startScriptNodeArgs(): string[] {
  const start: string = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).scripts.start;
  return /\bnode\s+(.*?)\s*dist\/bot\/index\.js/.exec(start)?.[1].split(/\s+/).filter(Boolean) ?? [];
}

const quick = args.quick;
const settings = {
  rounds: Number(args.rounds ?? (quick ? 1 : 3)),
  roundSeconds: Number(args['round-seconds'] ?? (quick ? 3 : 10)),
  warmupSeconds: quick ? 1 : 3,
  connections: Number(args.connections),
  memoryConversations: Number(args.conversations ?? (quick ? 500 : 10000)),
  startupSamples: quick ? 1 : 3,
  nluMessages: quick ? 2000 : 12000,
  /** Node flags for our bot: those of `npm start` unless --node-args tries others. */
  nodeArgs: args['node-args'] === undefined ? startScriptNodeArgs() : args['node-args'].split(' ').filter(Boolean),
};

type Server = 'ours' | 'echo' | 'floor';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const ms = (v: number) => round(v, 3);

async function withServer<T>(start: () => Promise<ServerProcess>, use: (s: ServerProcess) => Promise<T>): Promise<T> {
  const server = await start();
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

const startOurs = (name: string, nodeArgs: string[]) => startServer({ name, script: 'dist/bot/index.js', nodeArgs });
const startEcho = () => startServer({ name: 'echo', script: 'dist/bench/echoBot.js' });
const startFloor = () => startServer({ name: 'floor', script: 'dist/bench/floorBot.js' });

function aggregate(results: RoundResult[], latencies: number[][]) {
  const requests = results.reduce((n, r) => n + r.requests, 0);
  const seconds = results.reduce((n, r) => n + r.seconds, 0);
  const latency = summarize(latencies.flat());
  return {
    requests,
    conversations: results.reduce((n, r) => n + r.conversationsStarted, 0),
    requestsPerSecond: round(requests / seconds, 1),
    latencyMs: { mean: ms(latency.mean), p50: ms(latency.p50), p90: ms(latency.p90), p99: ms(latency.p99), max: ms(latency.max) },
    /** The server's CPU time per answered request over all rounds (both servers are CPU-bound at this load). */
    serverCpuMsPerTurn: ms(results.reduce((n, r) => n + (r.serverCpuMsPerTurn ?? 0) * r.requests, 0) / Math.max(1, requests)),
    non200: results.reduce((n, r) => n + r.non200, 0),
    errors: results.reduce((n, r) => n + r.errors + r.timeouts, 0),
    emptyReplies: results.reduce((n, r) => n + r.emptyReplies, 0),
  };
}

function dbBytes(dataDir: string): number {
  return ['bot.sqlite', 'bot.sqlite-wal', 'bot.sqlite-shm']
    .map((f) => join(dataDir, f))
    .filter((f) => existsSync(f))
    .reduce((n, f) => n + statSync(f).size, 0);
}

/** Our bot and the echo bot (and with --floor the floor bot), alternating rounds; then the same bot of ours goes on to the memory figure. */
async function measureTurnsAndMemory(pool: TextPool) {
  const ours = await startOurs('ours', [...settings.nodeArgs, '--expose-gc', '--require', join(__dirname, 'gcPreload.js')]);
  try {
    const rssAtStart = processMemory(ours.pid).rss;
    const rounds: Record<Server, RoundResult[]> = { ours: [], echo: [], floor: [] };
    const latencies: Record<Server, number[][]> = { ours: [], echo: [], floor: [] };
    let completed = 0;
    let started = 0;
    const count = (key: Server, result: RoundResult) => {
      if (key !== 'ours') return;
      completed += result.conversationsCompleted;
      started += result.conversationsStarted;
    };
    const alternate = async (servers: { key: Server; url: string; pid: number }[]) => {
      const base = { connections: settings.connections, pool };
      for (const { key, url } of servers) {
        log(`warm-up ${key}`);
        count(key, (await runRound({ ...base, server: key, url, round: 0, seconds: settings.warmupSeconds, idPrefix: `warm-${key}` })).result);
      }
      for (let r = 1; r <= settings.rounds; r++) {
        for (const { key, url, pid } of servers) {
          const cpuBefore = processCpuMs(pid);
          const { result, latencies: l } = await runRound({ ...base, server: key, url, round: r, seconds: settings.roundSeconds, idPrefix: `r${r}-${key}` });
          result.serverCpuMsPerTurn = (processCpuMs(pid) - cpuBefore) / Math.max(1, result.requests);
          log(
            `round ${r} ${key}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, ` +
              `server CPU ${result.serverCpuMsPerTurn.toFixed(3)} ms/turn, non-200 ${result.non200}`,
          );
          rounds[key].push(result);
          latencies[key].push(l);
          count(key, result);
        }
      }
    };
    const entry = (key: Server, s: ServerProcess) => ({ key, url: s.url, pid: s.pid });
    await withServer(startEcho, (echo) =>
      args.floor
        ? withServer(startFloor, (floor) => alternate([entry('ours', ours), entry('echo', echo), entry('floor', floor)]))
        : alternate([entry('ours', ours), entry('echo', echo)]),
    );
    const rssAfterRounds = processMemory(ours.pid).rss;

    const topUp = Math.max(0, settings.memoryConversations - completed);
    log(`memory: ${completed} conversations done in the rounds, ${topUp} more × ${TURNS_PER_CONVERSATION} turns`);
    const drive = await driveConversations(ours.url, topUp, settings.connections, pool, 'mem');
    await new Promise((r) => setTimeout(r, 200)); // let the last turns' writes settle
    const afterLoad = processMemory(ours.pid);
    const usage = await collectGarbage(ours);
    const afterGc = processMemory(ours.pid);
    const conversations = completed + drive.conversations;
    const memory = {
      conversations,
      partialConversations: started - completed,
      turns: conversations * TURNS_PER_CONVERSATION,
      failures: drive.failures,
      topUpTurnsPerSecond: round(drive.turnsPerSecond, 1),
      rssAtStartMb: round(rssAtStart / MB, 1),
      rssAfterRoundsMb: round(rssAfterRounds / MB, 1),
      rssAfterLoadMb: round(afterLoad.rss / MB, 1),
      rssAfterGcMb: round(afterGc.rss / MB, 1),
      peakRssMb: round(afterGc.peakRss / MB, 1),
      heapUsedAfterGcMb: usage ? round(usage.heapUsed / MB, 1) : null,
      heapTotalAfterGcMb: usage ? round(usage.heapTotal / MB, 1) : null,
      databaseMb: round(dbBytes(ours.dataDir) / MB, 1),
      how:
        'VmRSS from /proc/<pid>/status of the bot process that served the timed rounds, once it has answered all three turns of N distinct conversations ' +
        '(those of the rounds plus a top-up at the same concurrency), read right after the last turn and again after a forced full GC ' +
        '(the process runs with --expose-gc and a preload that calls gc() on SIGUSR2)',
    };
    return { oursReadyMs: ours.readyMs, rounds, latencies, memory, handoffs: await handoffCount(ours) };
  } finally {
    await ours.stop();
  }
}

/** Conversations that ended up with an agent or a ticket (the bench texts should cause none), from the agent API. */
async function handoffCount(server: ServerProcess): Promise<number | null> {
  try {
    const line = readFileSync(join(server.dataDir, 'agent-token'), 'utf8').trim();
    const token = line.slice(line.indexOf(':') + 1);
    const res = await fetch(`${server.url}/api/agent/queue`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) return null;
    const queue = (await res.json()) as Record<string, unknown[]>;
    return ['waiting', 'active', 'missed', 'tickets'].reduce((n, key) => n + (Array.isArray(queue[key]) ? queue[key].length : 0), 0);
  } catch {
    return null;
  }
}

async function measure() {
  const began = performance.now();
  const loadBefore = loadavg();

  // NLU first, in this process, before anything else has run.
  log(`NLU: ready time and latency over ${settings.nluMessages} messages`);
  const nlu = measureNlu(settings.nluMessages);

  const startupSamples: number[] = [];
  for (let i = 1; i < settings.startupSamples; i++) {
    log(`start-up sample ${i}`);
    await withServer(() => startOurs('startup', settings.nodeArgs), async (s) => void startupSamples.push(s.readyMs));
  }

  const pool = textPool(loadClassifier());
  log(`turns: ${pool.ko.length} Korean and ${pool.en.length} English texts; ${settings.rounds} rounds × ${settings.roundSeconds} s each, ${settings.connections} connections`);
  const { oursReadyMs, rounds, latencies, memory, handoffs } = await measureTurnsAndMemory(pool);
  startupSamples.push(oursReadyMs);

  const oursTotals = aggregate(rounds.ours, latencies.ours);
  const echoTotals = aggregate(rounds.echo, latencies.echo);
  const throughputRatio = oursTotals.requestsPerSecond / echoTotals.requestsPerSecond;
  const p99Ratio = oursTotals.latencyMs.p99 / echoTotals.latencyMs.p99;
  const floorTotals = args.floor ? aggregate(rounds.floor, latencies.floor) : undefined;
  const startup = {
    samplesMs: startupSamples.map((v) => round(v, 0)),
    medianMs: round(median(startupSamples), 0),
    maxMs: round(Math.max(...startupSamples), 0),
    how: 'spawn of `node dist/bot/index.js` (fresh DATA_DIR, after build) → first 200 from GET /healthz, polled every 10 ms; the last sample is the benchmarked bot (with --expose-gc and the GC preload)',
  };
  const targets = [
    { name: 'NLU p99 latency', value: ms(nlu.latencyMs.p99), unit: 'ms', target: `< ${TARGETS.nluP99Ms}`, pass: nlu.latencyMs.p99 < TARGETS.nluP99Ms },
    { name: 'throughput ours/echo', value: round(throughputRatio, 3), unit: '×', target: `>= ${TARGETS.throughputRatio}`, pass: throughputRatio >= TARGETS.throughputRatio },
    { name: 'p99 ours/echo', value: round(p99Ratio, 3), unit: '×', target: `<= ${TARGETS.p99Ratio}`, pass: p99Ratio <= TARGETS.p99Ratio },
    { name: `RSS after ${memory.conversations} conversations`, value: memory.rssAfterLoadMb, unit: 'MB', target: `< ${TARGETS.rssMb}`, pass: memory.rssAfterLoadMb < TARGETS.rssMb },
    { name: 'start-up to ready /healthz (median)', value: startup.medianMs, unit: 'ms', target: `< ${TARGETS.startupMs}`, pass: startup.medianMs < TARGETS.startupMs },
  ];

  return {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverageBefore: loadBefore.map((v) => round(v, 2)),
      loadAverageAfter: loadavg().map((v) => round(v, 2)),
    },
    settings,
    nlu: {
      readyMs: round(nlu.readyMs, 1),
      readyWarmMs: round(nlu.readyWarmMs, 1),
      features: nlu.featureCount,
      modelMb: round(nlu.modelBytes / MB, 2),
      heapDeltaMb: round(nlu.heapDeltaBytes / MB, 2),
      messages: nlu.messages,
      latencyMs: roundSummary(nlu.latencyMs),
      latencyKoMs: roundSummary(nlu.latencyKoMs),
      latencyEnMs: roundSummary(nlu.latencyEnMs),
      bestOfThreeMs: roundSummary(nlu.bestOfThreeMs),
      how: "wall-clock time of each classify() call (process.hrtime) in the first timed pass over every message, after a warm-up; bestOfThree = each message's fastest of three passes (no preemption or GC), for diagnosis",
    },
    turns: {
      connections: settings.connections,
      deliveryMode: 'expectReplies',
      turnsPerConversation: TURNS_PER_CONVERSATION,
      texts: { ko: pool.ko.length, en: pool.en.length, note: 'held-out and training questions the classifier sends to one of the bot topics (no handoff); 2 Korean conversations for 1 English' },
      /** Handoff sessions and tickets in our bot at the end (waiting, active, missed, tickets): expected 0. */
      handoffs,
      ours: { stack: OURS_STACK, ...oursTotals },
      echo: { stack: ECHO_STACK, ...echoTotals },
      ...(floorTotals
        ? {
            floor: {
              stack: FLOOR_STACK,
              ...floorTotals,
              ratio: {
                floorEcho: {
                  throughput: round(floorTotals.requestsPerSecond / echoTotals.requestsPerSecond, 3),
                  throughputPerRoundPair: rounds.floor.map((f, i) => round(f.requestsPerSecond / rounds.echo[i].requestsPerSecond, 3)),
                },
                oursFloor: { throughput: round(oursTotals.requestsPerSecond / floorTotals.requestsPerSecond, 3) },
              },
            },
          }
        : {}),
      ratio: {
        throughput: round(throughputRatio, 3),
        p99: round(p99Ratio, 3),
        throughputPerRoundPair: rounds.ours.map((o, i) => round(o.requestsPerSecond / rounds.echo[i].requestsPerSecond, 3)),
      },
      rounds: rounds.ours
        .flatMap((o, i) => [o, rounds.echo[i], ...(floorTotals ? [rounds.floor[i]] : [])])
        .map((r) => ({ ...r, seconds: round(r.seconds, 2), requestsPerSecond: round(r.requestsPerSecond, 1), latencyMs: roundSummary(r.latencyMs) })),
    },
    memory,
    startup,
    targets,
    totalSeconds: round((performance.now() - began) / 1000, 1),
  };
}

async function main(): Promise<void> {
  const report = await measure();
  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(table(report));
}

function roundSummary(s: { count: number; mean: number; p50: number; p90: number; p99: number; max: number }) {
  return { count: s.count, mean: ms(s.mean), p50: ms(s.p50), p90: ms(s.p90), p99: ms(s.p99), max: ms(s.max) };
}

type Report = Awaited<ReturnType<typeof measure>>;

function table(r: Report): string {
  const lines: string[] = [];
  const row = (cells: (string | number)[], widths: number[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  lines.push(`Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, load average ${r.machine.loadAverageBefore.join(' ')} → ${r.machine.loadAverageAfter.join(' ')}`);
  if (r.machine.loadAverageBefore[0] > r.machine.cpus / 2) {
    const alternating = r.turns.floor ? 'ours, echo and floor alternate, so all see' : 'ours and echo alternate, so both see';
    lines.push(`  (other work was running: absolute figures are pessimistic; ${alternating} the same load)`);
  }
  lines.push('');

  lines.push('NLU (in the bench process)');
  lines.push(`  ready (what start-up does)   ${r.nlu.readyMs} ms   (again, warm: ${r.nlu.readyWarmMs} ms)`);
  lines.push(`  model                        ${r.nlu.features} features, ${r.nlu.modelMb} MB of weights, retained heap + buffers ${r.nlu.heapDeltaMb} MB`);
  const w1 = [26, 8, 8, 8, 8, 8];
  lines.push(`  ${row(['latency (ms)', 'count', 'p50', 'p90', 'p99', 'max'], w1)}`);
  for (const [name, s] of [['all', r.nlu.latencyMs], ['Korean', r.nlu.latencyKoMs], ['English', r.nlu.latencyEnMs], ['all, best of 3 passes', r.nlu.bestOfThreeMs]] as const) {
    lines.push(`  ${row([name, s.count, s.p50, s.p90, s.p99, s.max], w1)}`);
  }
  lines.push('');

  lines.push(`Turns over HTTP: POST /api/messages, expectReplies, ${r.turns.connections} connections, distinct conversations of 3 turns, alternating rounds`);
  const w2 = [14, 9, 10, 9, 9, 9, 9, 8, 12];
  lines.push(`  ${row(['server', 'turns', 'turns/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-200', 'CPU ms/turn'], w2)}`);
  for (const x of r.turns.rounds) {
    const cpu = x.serverCpuMsPerTurn === undefined ? '' : ms(x.serverCpuMsPerTurn);
    lines.push(`  ${row([`${x.server} #${x.round}`, '', x.requestsPerSecond, x.latencyMs.p50, x.latencyMs.p90, x.latencyMs.p99, x.latencyMs.max, x.non200, cpu], w2)}`);
  }
  for (const [name, t] of [['ours (all)', r.turns.ours], ['echo (all)', r.turns.echo], ['floor (all)', r.turns.floor]] as const) {
    if (!t) continue; // no floor without --floor
    lines.push(`  ${row([name, t.requests, t.requestsPerSecond, t.latencyMs.p50, t.latencyMs.p90, t.latencyMs.p99, t.latencyMs.max, t.non200 + t.errors, t.serverCpuMsPerTurn], w2)}`);
  }
  lines.push(`  conversations handed to an agent or a ticket: ${r.turns.handoffs ?? 'unknown'} (the texts are questions the bot answers itself)`);
  lines.push(`  ratio ours/echo: throughput ${r.turns.ratio.throughput} (per round pair ${r.turns.ratio.throughputPerRoundPair.join(', ')}), p99 ${r.turns.ratio.p99}`);
  const floor = r.turns.floor;
  if (floor) {
    lines.push(`  ratio floor/echo: throughput ${floor.ratio.floorEcho.throughput} (per round pair ${floor.ratio.floorEcho.throughputPerRoundPair.join(', ')})`);
    lines.push(`  ratio ours/floor: throughput ${floor.ratio.oursFloor.throughput}`);
  }
  lines.push(`  ours: ${r.turns.ours.stack}`);
  lines.push(`  echo: ${r.turns.echo.stack}`);
  if (floor) lines.push(`  floor: ${floor.stack}`);
  lines.push('');

  const m = r.memory;
  lines.push(`Memory: ${m.conversations} distinct conversations × 3 turns (${m.turns} turns; ${m.partialConversations} more cut short at the end of a round; top-up at ${m.topUpTurnsPerSecond} turns/s, ${m.failures} failures)`);
  lines.push(`  RSS at start ${m.rssAtStartMb} MB → after the timed rounds ${m.rssAfterRoundsMb} MB → after all ${m.conversations} conversations ${m.rssAfterLoadMb} MB → after a full GC ${m.rssAfterGcMb} MB (peak ${m.peakRssMb} MB; heap used after GC ${m.heapUsedAfterGcMb} MB; SQLite files ${m.databaseMb} MB)`);
  lines.push(`  how: ${m.how}`, '');

  lines.push(`Start-up: ${r.startup.samplesMs.join(', ')} ms (median ${r.startup.medianMs} ms)`);
  lines.push(`  how: ${r.startup.how}`, '');

  lines.push('Targets');
  for (const t of r.targets) lines.push(`  ${t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(40)} ${String(t.value).padStart(9)} ${t.unit.padEnd(3)} target ${t.target}`);
  lines.push('', `Total ${r.totalSeconds} s`, '');
  return lines.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
