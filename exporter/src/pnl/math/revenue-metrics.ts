/** One customer's monthly recurring revenue at the start and at the end of the period, in USD. */
export interface CustomerMrr {
  readonly customerId: string;
  readonly startMrrUsd: number;
  readonly endMrrUsd: number;
}

/** Seed 001's revenue metrics for one period. Percentages are 0–100; null where the denominator is 0. */
export interface RevenueMetrics {
  /** Sum of end-of-period MRR. */
  readonly mrrUsd: number;
  /** MRR × 12. */
  readonly arrUsd: number;
  /** MRR / customers with MRR > 0 at the end. */
  readonly arpaUsd: number | null;
  readonly activeCustomers: number;
  /** Sum of start-of-period MRR: the base NRR and GRR are measured against. */
  readonly startingMrrUsd: number;
  /** MRR of customers with none at the start (outside NRR and GRR by definition). */
  readonly newMrrUsd: number;
  /** Increases of customers with MRR at both ends. */
  readonly expansionMrrUsd: number;
  /** Decreases of customers still paying at the end. */
  readonly contractionMrrUsd: number;
  /** Start MRR of customers with none at the end. */
  readonly churnedMrrUsd: number;
  /** (start + expansion − contraction − churned) × 100 / start. */
  readonly nrrPct: number | null;
  /** (start − contraction − churned) × 100 / start; never above 100. */
  readonly grrPct: number | null;
  /** churned customers × 100 / customers paying at the start. */
  readonly customerChurnRatePct: number | null;
  /** Customer ids, sorted. */
  readonly newCustomers: readonly string[];
  readonly expandingCustomers: readonly string[];
  readonly contractingCustomers: readonly string[];
  readonly churnedCustomers: readonly string[];
}

/**
 * Seed 001's MRR, ARR, ARPA, NRR, GRR and churn from per-customer MRR at both ends of a period. A customer is
 * paying when its MRR is > 0. The seed writes NRR as (start + expansion − churn) / start and GRR as
 * (start − churn) / start; "churn" there is read as revenue churn, i.e. lost MRR from cancellations AND
 * downgrades (contraction), which is the usual definition and keeps GRR ≤ 100 %. Sums are float additions of
 * exact per-customer figures; round to cents where shown.
 * @throws RangeError when a customer id appears twice (its MRR would be counted twice).
 */
export function revenueMetrics(customers: readonly CustomerMrr[]): RevenueMetrics {
  const seen = new Set<string>();
  let mrr = 0, starting = 0, newMrr = 0, expansion = 0, contraction = 0, churned = 0, active = 0, startingCustomers = 0;
  const ids = { new: [] as string[], expanding: [] as string[], contracting: [] as string[], churned: [] as string[] };
  for (const c of customers) {
    if (seen.has(c.customerId)) throw new RangeError(`Customer ${c.customerId} appears twice`);
    seen.add(c.customerId);
    const start = Math.max(c.startMrrUsd, 0);
    const end = Math.max(c.endMrrUsd, 0);
    if (end > 0) { mrr += end; active += 1; }
    if (start === 0) {
      if (end > 0) { newMrr += end; ids.new.push(c.customerId); }
      continue;
    }
    starting += start;
    startingCustomers += 1;
    if (end === 0) { churned += start; ids.churned.push(c.customerId); }
    else if (end > start) { expansion += end - start; ids.expanding.push(c.customerId); }
    else if (end < start) { contraction += start - end; ids.contracting.push(c.customerId); }
  }
  const ofStart = (x: number): number | null => (starting > 0 ? (x * 100) / starting : null);
  return {
    mrrUsd: mrr,
    arrUsd: mrr * 12,
    arpaUsd: active > 0 ? mrr / active : null,
    activeCustomers: active,
    startingMrrUsd: starting,
    newMrrUsd: newMrr,
    expansionMrrUsd: expansion,
    contractionMrrUsd: contraction,
    churnedMrrUsd: churned,
    nrrPct: ofStart(starting + expansion - contraction - churned),
    grrPct: ofStart(starting - contraction - churned),
    customerChurnRatePct: startingCustomers > 0 ? (ids.churned.length * 100) / startingCustomers : null,
    newCustomers: ids.new.sort(),
    expandingCustomers: ids.expanding.sort(),
    contractingCustomers: ids.contracting.sort(),
    churnedCustomers: ids.churned.sort(),
  };
}
