// Generated secrets shared by every instance. Before the app reads its secret files (at start-up), each
// secret is put in the database once: this instance's file from an earlier single-instance run, or a new
// one; the first instance to store it wins, and every instance's file is made to hold that value.
import type pg from 'pg';
import { readSecretFile, writeSecretFile } from '../secretFile';

export interface GeneratedSecret {
  /** The file under DATA_DIR, and the secret's name in the database. */
  file: string;
  generate(): string;
}

export async function shareGeneratedSecrets(pool: pg.Pool, dataDir: string, secrets: readonly GeneratedSecret[]): Promise<void> {
  for (const { file, generate } of secrets) {
    const candidate = readSecretFile(dataDir, file) || generate();
    const { rows } = await pool.query<{ value: string }>(
      `WITH added AS (INSERT INTO generated_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value)
       SELECT value FROM added UNION ALL SELECT value FROM generated_secrets WHERE name = $1 LIMIT 1`,
      [file, candidate],
    );
    const shared = rows[0].value;
    if (readSecretFile(dataDir, file) !== shared) writeSecretFile(dataDir, file, shared);
  }
}
