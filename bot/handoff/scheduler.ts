// The queue's clock: position updates, "taking longer than expected", time-outs and stale draft tickets.
import type { Knowledge } from '../../knowledge';
import type { Config } from '../config';
import type { Job } from '../coordination';
import type { Logger } from '../logger';
import type { Delivery } from './delivery';
import { isMeaningfulImprovement } from './estimate';
import { DRAFT_TICKET_MINUTES } from './model';
import { type Notices, iso } from './notices';
import type { HandoffService } from './service';
import type { HandoffRepo } from '../storage/ports';
import { ordinal, withLeaveButton } from './waitingHelp';

/** Position updates at most this often (reaching the front is always told). */
const POSITION_UPDATE_MIN_MS = 60_000;

/** The handoff's pieces the scheduler and the agent desk both work with (hub.ts makes them). */
export interface HandoffParts {
  logger: Logger;
  knowledge: Knowledge;
  store: HandoffRepo;
  service: HandoffService;
  notices: Notices;
  delivery: Delivery;
  now: () => Date;
}

export interface SchedulerDeps extends HandoffParts {
  config: Config;
}

export class HandoffScheduler {
  private ticking?: Promise<void>;
  private followUp?: Promise<void>;

  constructor(private readonly deps: SchedulerDeps) {}

  /**
   * Position updates, "taking longer than expected" and time-outs. Safe to call at any time (tests do):
   * during a run, one more run follows it, so what was queued before the call is always looked at.
   */
  tick(): Promise<void> {
    if (this.ticking) {
      const again = () => {
        this.followUp = undefined;
        return this.tick();
      };
      this.followUp ??= this.ticking.then(again, again);
      return this.followUp;
    }
    this.ticking = this.runTick().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** The periodic tick, as a job (often enough for the time-out to be met within about half of it). */
  get job(): Job {
    const timeoutMs = this.deps.config.HANDOFF_TIMEOUT_MINUTES * 60_000;
    return { name: 'handoff-scheduler', everyMs: Math.min(5000, Math.max(250, Math.floor(timeoutMs / 2))), run: () => this.tick() };
  }

  /** Resolves once no tick is under way (shutdown). */
  async idle(): Promise<void> {
    await this.followUp?.catch(() => undefined);
    await this.ticking?.catch(() => undefined);
  }

  private async runTick(): Promise<void> {
    const { config, store, service, notices, delivery, knowledge } = this.deps;
    const now = this.deps.now();
    const timeoutMs = config.HANDOFF_TIMEOUT_MINUTES * 60_000;
    // The desk closed while sellers waited and no agent is signed in to finish the queue: nobody will come
    // before the time-out, so they hear it now (with the hours) and the request stays visible as missed.
    // An agent still online after hours may take them, so then they wait as usual.
    const desertedAfterHours = !config.businessHours.isOpen(now) && service.agentsOnline === 0 && config.HANDOFF_MODE !== 'protocol';
    for (const session of await store.waiting()) {
      const timedOut = now.getTime() - Date.parse(session.queuedAt) >= timeoutMs;
      if (!timedOut && !desertedAfterHours) continue;
      if (!(await service.markMissed(session))) continue;
      const { conversationId, caseNumber, language } = session;
      this.deps.logger.info({ conversationId, caseNumber }, timedOut ? 'handoff timed out' : 'handoff missed: the desk closed');
      const notice = timedOut
        ? notices.message('handoff.timeout', language)
        : notices.message('handoff.closed_while_waiting', language, { schedule: config.businessHours.describe(language) });
      await delivery.notify(session, [notice, notices.alternatives(language)], timedOut ? 'timeout' : 'closed');
    }
    for (const [index, session] of (await store.waiting()).entries()) {
      const position = index + 1;
      const elapsedMs = now.getTime() - Date.parse(session.queuedAt);
      const lastAt = session.lastNotifiedAt ? Date.parse(session.lastNotifiedAt) : Date.parse(session.queuedAt);
      const improved = isMeaningfulImprovement(session.lastNotifiedPosition, position);
      if (improved && (position === 1 || now.getTime() - lastAt >= POSITION_UPDATE_MIN_MS)) {
        await store.update(session.id, { lastNotifiedPosition: position, lastNotifiedAt: iso(now) });
        // With nobody online an estimate in minutes would be a promise no one keeps.
        const place = ordinal(position, session.language);
        const update = service.agentsOnline === 0 && config.HANDOFF_MODE !== 'protocol'
          ? notices.text('handoff.position_update_no_agents', session.language, { position: place })
          : notices.text('handoff.position_update', session.language, { position: place, wait: notices.waitText(await service.estimate(position), session.language) });
        await delivery.notify(session, [withLeaveButton(knowledge, session.language, update)], 'position update');
      } else if (!session.waitExceededNotified && elapsedMs > session.estimateMinutes * 60_000) {
        await store.update(session.id, { waitExceededNotified: true });
        await delivery.notify(session, [withLeaveButton(knowledge, session.language, notices.text('handoff.wait_exceeded', session.language))], 'wait_exceeded');
      }
    }
    await store.deleteDraftsBefore(iso(new Date(now.getTime() - DRAFT_TICKET_MINUTES * 60_000)));
  }
}
