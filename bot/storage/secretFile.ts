// Secrets the bot generates when none is configured (the local agent token, the web-chat signing key)
// live in files under DATA_DIR that only the bot's user may read.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file's trimmed content, or undefined when there is none. */
export function readSecretFile(dataDir: string, name: string): string | undefined {
  const file = join(dataDir, name);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

export function writeSecretFile(dataDir: string, name: string, content: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, name);
  writeFileSync(file, `${content}\n`, { mode: 0o600 });
  try {
    chmodSync(file, 0o600); // an existing file keeps its old mode through writeFileSync
  } catch {
    // not every file system keeps modes; the secret is still only readable where DATA_DIR is
  }
}
