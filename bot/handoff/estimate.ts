// How long a seller will wait: from the queue ahead, the agents online and how long chats take lately.

/** Minutes per seller until the hub has measured real chats. */
export const DEFAULT_HANDLING_MINUTES = 5;

/** A robust "typical chat length": the median of recent chats, kept within 1–60 minutes. */
export function typicalHandlingMinutes(recent: number[]): number {
  if (recent.length === 0) return DEFAULT_HANDLING_MINUTES;
  const sorted = [...recent].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return Math.min(60, Math.max(1, median));
}

export interface EstimateInput {
  /** 1 = next in line. */
  position: number;
  agentsOnline: number;
  /** Chats agents are in right now. */
  activeChats: number;
  handlingMinutes: number;
}

/**
 * Whole minutes, at least 1. Free agents take the first sellers almost at once; everyone behind waits
 * for chats to finish, `agentsOnline` at a time. Nobody online is estimated as if one agent were about to
 * come (the seller is told separately that nobody is online).
 */
export function estimateWaitMinutes({ position, agentsOnline, activeChats, handlingMinutes }: EstimateInput): number {
  const agents = Math.max(1, agentsOnline);
  const free = agentsOnline > 0 ? Math.max(0, agentsOnline - activeChats) : 0;
  if (position <= free) return 1;
  const rounds = Math.ceil((position - free) / agents);
  return Math.max(1, Math.round(rounds * handlingMinutes));
}

/**
 * Whether a new position is worth telling the seller: reaching the front, or a clear jump (at least two
 * places and a quarter of the line) since the last update. Small moves in a long line stay quiet.
 */
export function isMeaningfulImprovement(lastNotified: number | null, position: number): boolean {
  if (lastNotified === null) return false;
  if (position >= lastNotified) return false;
  if (position === 1) return true;
  const gained = lastNotified - position;
  return gained >= 2 && gained >= Math.ceil(lastNotified / 4);
}
