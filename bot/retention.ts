// Retention (TRANSCRIPT_RETENTION_DAYS): at start-up and then once a day, everything older than the
// retention period goes: transcript lines, finished handoff sessions with their agent messages, handled
// tickets, outbox messages given up on, and web chat conversations idle that long (with their uploads).
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Job } from './coordination';
import type { Logger } from './logger';
import type { HandoffRepo, OutboxRepo, TranscriptRepo, WebChatRepo } from './storage/ports';

const DAY_MS = 86_400_000;

export interface RetentionDeps {
  retentionDays: number;
  logger: Logger;
  transcripts: Pick<TranscriptRepo, 'deleteOlderThan'>;
  /** Handoff sessions, tickets and agent messages. */
  handoff?: Pick<HandoffRepo, 'purgeBefore'>;
  outbox?: { store: Pick<OutboxRepo, 'purgeFailedBefore'> };
  webChat?: { store: Pick<WebChatRepo, 'purgeIdleSince'>; uploadsDir: string };
  now?: () => Date;
  /** How often the job runs (default: daily). */
  everyMs?: number;
}

export interface RetentionResult {
  cutoff: string;
  transcriptLines: number;
  handoffRecords: number;
  outboxMessages: number;
  webChatConversations: number;
}

export class RetentionJob {
  private readonly now: () => Date;

  constructor(private readonly deps: RetentionDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Purges at start-up, then every `everyMs` (bot/app.ts adds it to the jobs). */
  get job(): Job {
    return { name: 'retention', everyMs: this.deps.everyMs ?? DAY_MS, atStart: true, run: () => this.run() };
  }

  async run(): Promise<RetentionResult> {
    const cutoff = new Date(this.now().getTime() - this.deps.retentionDays * DAY_MS);
    const result: RetentionResult = {
      cutoff: cutoff.toISOString(),
      transcriptLines: await this.deps.transcripts.deleteOlderThan(cutoff),
      handoffRecords: (await this.deps.handoff?.purgeBefore(cutoff)) ?? 0,
      outboxMessages: (await this.deps.outbox?.store.purgeFailedBefore(cutoff)) ?? 0,
      webChatConversations: 0,
    };
    const webChat = this.deps.webChat;
    if (webChat) {
      const purged = await webChat.store.purgeIdleSince(cutoff);
      result.webChatConversations = purged.conversations;
      // Stored names are generated ids; basename() keeps a bad row from reaching outside the folder.
      for (const file of purged.files) void rm(join(webChat.uploadsDir, basename(file)), { force: true }).catch(() => undefined);
    }
    const total = result.transcriptLines + result.handoffRecords + result.outboxMessages + result.webChatConversations;
    if (total > 0) this.deps.logger.info(result, 'retention: old records deleted');
    return result;
  }
}
