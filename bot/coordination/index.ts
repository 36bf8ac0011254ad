// The coordination ports and the composition of today's in-process implementations.
import type { Logger } from '../logger';
import { InProcessEventBus } from './inProcess/eventBus';
import { TimerJobs } from './inProcess/jobs';
import { InProcessPresence } from './inProcess/presence';
import { InProcessRateLimits } from './inProcess/rateLimits';
import { InProcessTurnLock } from './inProcess/turnLock';
import type { Coordination } from './ports';

export * from './ports';

/** One process, no shared backend: everything in memory, on this process's timers. */
export function inProcessCoordination(options: { logger: Pick<Logger, 'error'>; now: () => Date }): Coordination {
  return {
    turns: new InProcessTurnLock(),
    presence: new InProcessPresence(),
    events: new InProcessEventBus(),
    jobs: new TimerJobs(options.logger),
    rateLimits: new InProcessRateLimits(() => options.now().getTime()),
  };
}
