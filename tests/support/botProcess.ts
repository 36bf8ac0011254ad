// Runs the real server (bot/index.ts, transpiled on the fly by tsRegister.js, as `npm start` runs dist) in a
// child process on an ephemeral port, so a test can SIGKILL it and start it again on the same DATA_DIR.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectPath } from '../../intents/paths';

export interface BotProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<unknown>;
  /** Everything the process wrote to stderr (start-up failures, crashes). */
  stderr(): string;
  /** The last 20,000 characters of its logs and stderr together (to look for errors after a run). */
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM (graceful) unless it already exited. */
  stop(): Promise<void>;
}

const TS_REGISTER = join(__dirname, 'tsRegister.js');

export async function spawnBot(dataDir: string, env: Record<string, string> = {}): Promise<BotProcess> {
  // LOG_LEVEL info: the "bot listening" line carries the port. Nothing but this environment configures it
  // (the working directory, DATA_DIR, holds no .env).
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env };
  const child = spawn(process.execPath, ['-r', TS_REGISTER, projectPath('bot', 'index.ts')], { cwd: dataDir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stderr = '';
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20000));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    keep(chunk);
  });
  child.stdout!.on('data', keep);
  const url = await new Promise<string>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => reject(new Error(`bot did not start within 30 s: ${stderr}`)), 30000);
    child.once('exit', (code) => reject(new Error(`bot exited with ${code}: ${stderr}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      // Keep reading (and discarding) the logs, or the pipe fills up and the bot blocks.
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const port = /"port":(\d+)/.exec(line)?.[1];
        if (port && line.includes('bot listening')) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${port}`);
        }
      }
    });
  });
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url, child, exited, stderr: () => stderr, output: () => output, kill, stop: () => kill('SIGTERM') };
}
