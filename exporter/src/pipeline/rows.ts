import type { AgentRun, Outcome } from '../model/llm-call.js';
import type { PricedCall } from '../model/priced-call.js';

/** Rows bound for ClickHouse, by table. */
export interface Rows {
  calls: PricedCall[];
  runs: AgentRun[];
  outcomes: Outcome[];
}

export function emptyRows(): Rows {
  return { calls: [], runs: [], outcomes: [] };
}
