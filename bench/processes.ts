// Child processes for the benchmark: start a server, time it to a ready /healthz, read its memory.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../intents/paths';

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  dataDir: string;
  /** Spawn → first 200 from GET /healthz, in ms. */
  readyMs: number;
  /** The last few KB the process wrote (for error reports). */
  output(): string;
  /** Lines the process wrote to stderr that look like JSON objects (the GC preload's reports). */
  jsonLines(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** Script under dist/, e.g. dist/bot/index.js. */
  script: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
  timeoutMs?: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${options.name}-`));
  let output = '';
  const jsonLines: Record<string, unknown>[] = [];
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  };
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), projectPath(options.script)], {
    // The data folder as working directory: a developer's .env must not change what is measured.
    cwd: dataDir,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', MicrosoftAppId: '', MicrosoftAppPassword: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', keep);
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    keep(chunk);
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{"bench"')) continue;
      try {
        jsonLines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not one of ours
      }
    }
  });
  let exited: number | string | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = code ?? signal;
      resolve();
    }),
  );

  const url = `http://127.0.0.1:${port}`;
  const deadline = started + (options.timeoutMs ?? 30000);
  let readyMs = NaN;
  while (performance.now() < deadline) {
    if (exited !== null) throw new Error(`${options.name} exited (${exited}) before it was ready:\n${output}`);
    if ((await getStatus(`${url}/healthz`)) === 200) {
      readyMs = performance.now() - started;
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  if (Number.isNaN(readyMs)) {
    child.kill('SIGKILL');
    throw new Error(`${options.name} was not ready within ${options.timeoutMs ?? 30000} ms:\n${output}`);
  }

  return {
    name: options.name,
    child,
    pid: child.pid!,
    port,
    url,
    dataDir,
    readyMs,
    output: () => output,
    jsonLines: () => jsonLines,
    async stop() {
      if (exited === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resident set size and its peak, from /proc/<pid>/status (Linux), in bytes. */
export function processMemory(pid: number): { rss: number; peakRss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function processCpuMs(pid: number): number {
  // Fields after the command name (which may contain spaces) start at "state"; utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** Asks a process started with the GC preload to collect garbage and report process.memoryUsage(). */
export async function collectGarbage(server: ServerProcess, timeoutMs = 10000): Promise<Record<string, number> | undefined> {
  const before = server.jsonLines().length;
  server.child.kill('SIGUSR2');
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const lines = server.jsonLines();
    if (lines.length > before) return lines[lines.length - 1].memoryUsage as Record<string, number>;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}
