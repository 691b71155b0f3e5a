import type { AgentRun } from '../model/llm-call.js';
import type { PricedCall } from '../model/priced-call.js';

const PICO_PER_USD = 1e12;

/** One request's calls summed per customer, feature, provider and model (raw values, not labels yet). */
export interface CallSums {
  customerId: string;
  featureId: string;
  provider: string;
  model: string;
  usd: number;
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
  ok: number;
  error: number;
  unset: number;
}

/**
 * What one request adds to the Prometheus metrics, summed while the request is prepared (in
 * an ingest worker or inline) and applied by PnlMetrics.recordTally once the request is
 * accepted. Plain data, so it crosses from a worker thread cheaply; label bounding happens
 * when it is applied, where the customer ranking lives.
 */
export interface IngestTallyData {
  calls: CallSums[];
  evolution: Array<{ customerId: string; featureId: string; reason: string; usd: number }>;
  unpriced: Array<{ provider: string; model: string; reason: string; n: number }>;
  runs: Array<{ customerId: string; agentName: string; outcome: string; n: number }>;
  /** Seconds from each call's end to its preparation. */
  lagSeconds: number[];
}

export class IngestTally {
  private readonly calls = new Map<string, CallSums>();
  private readonly evolution = new Map<string, IngestTallyData['evolution'][number]>();
  private readonly unpriced = new Map<string, IngestTallyData['unpriced'][number]>();
  private readonly runs = new Map<string, IngestTallyData['runs'][number]>();
  private readonly lagSeconds: number[] = [];

  constructor(private readonly nowUs: number) {}

  addCall(p: PricedCall): void {
    const c = p.call;
    const model = c.requestModel || c.responseModel;
    const key = `${c.customerId}\u0000${c.featureId}\u0000${c.provider}\u0000${model}`;
    let d = this.calls.get(key);
    if (d === undefined) {
      d = { customerId: c.customerId, featureId: c.featureId, provider: c.provider, model, usd: 0, input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0, ok: 0, error: 0, unset: 0 };
      this.calls.set(key, d);
    }
    const usd = p.cost ? Number(p.cost.total) / PICO_PER_USD : 0;
    d.usd += usd;
    d.input += c.usage.inputUncached;
    d.cacheRead += c.usage.cacheRead;
    d.cacheWrite += c.usage.cacheWrite;
    d.output += c.usage.output;
    d.reasoning += c.usage.reasoning;
    d[c.status] += 1;
    if (c.attemptReason !== '' && usd > 0) {
      const ek = `${c.customerId}\u0000${c.featureId}\u0000${c.attemptReason}`;
      let e = this.evolution.get(ek);
      if (e === undefined) this.evolution.set(ek, (e = { customerId: c.customerId, featureId: c.featureId, reason: c.attemptReason, usd: 0 }));
      e.usd += usd;
    }
    if (p.cost === null) {
      const uk = `${c.provider}\u0000${model}\u0000${p.unpricedReason}`;
      let u = this.unpriced.get(uk);
      if (u === undefined) this.unpriced.set(uk, (u = { provider: c.provider, model, reason: p.unpricedReason, n: 0 }));
      u.n += 1;
    }
    const endUs = c.startTimeUs + c.durationUs;
    if (endUs > 0) this.lagSeconds.push(Math.max(0, (this.nowUs - endUs) / 1e6));
  }

  addRun(r: AgentRun): void {
    const outcome = r.outcome || 'unknown';
    const key = `${r.customerId}\u0000${r.agentName}\u0000${outcome}`;
    let d = this.runs.get(key);
    if (d === undefined) this.runs.set(key, (d = { customerId: r.customerId, agentName: r.agentName, outcome, n: 0 }));
    d.n += 1;
  }

  data(): IngestTallyData {
    return { calls: [...this.calls.values()], evolution: [...this.evolution.values()], unpriced: [...this.unpriced.values()], runs: [...this.runs.values()], lagSeconds: this.lagSeconds };
  }
}
