import { isKeepableLabelValue } from './bounded-label.js';

/** Label value for customers past the top N. */
export const OTHER_CUSTOMER = '__other__';
/** Label value for calls that carried no customer id at all. */
export const UNATTRIBUTED_CUSTOMER = '__unattributed__';

/**
 * Bounds the `customer` label: Prometheus cannot hold one series set per customer when there
 * are tens of thousands, so only the top N customers by spend get their own label value and
 * the rest share `__other__` (ClickHouse keeps full detail), as do ids no label may hold
 * (isKeepableLabelValue: too long, or shaped like another label set). Until the first ranking arrives from ClickHouse, customers are
 * admitted first come, first served, up to N.
 */
export class CustomerLabels {
  private admitted = new Set<string>();

  constructor(private readonly topN: number) {}

  /** The label value to use for a customer id. */
  label(customerId: string): string {
    if (customerId === '') return UNATTRIBUTED_CUSTOMER;
    if (this.admitted.has(customerId)) return customerId;
    if (this.admitted.size < this.topN && isKeepableLabelValue(customerId)) {
      this.admitted.add(customerId);
      return customerId;
    }
    return OTHER_CUSTOMER;
  }

  /**
   * Replaces the admitted set with a ranking by spend (highest first). A ranking shorter than N
   * leaves room: the customers admitted before keep their places in it, in their order. Returns
   * the customers no longer admitted (PnlMetrics removes their series).
   */
  setRanking(customerIds: readonly string[]): string[] {
    const before = this.admitted;
    // Unattributed calls ('') have their own label whatever their rank: they take no place of the N.
    const next = new Set(customerIds.filter((id) => id !== '' && isKeepableLabelValue(id)).slice(0, this.topN));
    for (const id of before) {
      if (next.size >= this.topN) break;
      next.add(id);
    }
    this.admitted = next;
    return [...before].filter((id) => !next.has(id));
  }

  get size(): number {
    return this.admitted.size;
  }
}
