// The handoff repository's status changes and session updates, the same on every backend: which
// changes are legal (model.ts) and which columns each writes. A backend only runs the one conditional
// UPDATE, so concurrent callers (two agents, two instances) cannot both win.
import { type ClosedBy, type SessionStatus, canTransition, sourcesOf } from '../handoff/model';
import type { SessionChanges } from './ports';
import { SESSION_COLUMNS } from './sqlite/handoffRows';

export type Columns = [column: string, value: unknown][];

export abstract class HandoffTransitions {
  /** Sets `status = to` and `columns` where the session's status is one of `from`; true when it was. */
  protected abstract setStatus(id: number, to: SessionStatus, columns: Columns, from: readonly SessionStatus[]): Promise<boolean>;
  /** Sets `columns` (never empty) of a session. */
  protected abstract setColumns(id: number, columns: Columns): Promise<void>;

  /** → active for `agent` (from waiting or missed). */
  accept(id: number, agent: string, at: string, expected: readonly SessionStatus[] = sourcesOf('active')): Promise<boolean> {
    return this.moveTo(id, 'active', [['agent', agent], ['accepted_at', at]], expected);
  }

  close(id: number, by: ClosedBy, at: string, expected: readonly SessionStatus[] = sourcesOf('closed')): Promise<boolean> {
    return this.moveTo(id, 'closed', [['closed_by', by], ['closed_at', at]], expected);
  }

  markMissed(id: number, at: string, expected: readonly SessionStatus[] = sourcesOf('missed')): Promise<boolean> {
    return this.moveTo(id, 'missed', [['closed_at', at]], expected);
  }

  async update(id: number, changes: SessionChanges): Promise<void> {
    const columns: Columns = [];
    for (const [key, value] of Object.entries(changes)) {
      const column = SESSION_COLUMNS[key];
      if (column && value !== undefined) columns.push([column, value]);
    }
    if (columns.length) await this.setColumns(id, columns);
  }

  /**
   * Moves a session to `to` if it is in one of `expected` (the status its caller read) and the
   * transitions table allows the change; false when someone else changed it first or it is not legal.
   */
  private async moveTo(id: number, to: SessionStatus, columns: Columns, expected: readonly SessionStatus[]): Promise<boolean> {
    const from = expected.filter((status) => canTransition(status, to));
    return from.length > 0 && this.setStatus(id, to, columns, from);
  }
}
