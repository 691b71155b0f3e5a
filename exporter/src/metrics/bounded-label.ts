/** Label value shared by every value past a label's limit. */
export const OTHER_VALUE = '__other__';

/**
 * Caps how many distinct values one metric label takes (feature, provider, model, agent): they
 * come from span attributes, so a buggy or hostile sender could otherwise create series without
 * end and take Prometheus down. The first `max` values seen keep their name; later ones share
 * `__other__`, and ClickHouse keeps full detail. Unlike customers there is no ranking to
 * follow: real deployments have tens of these, and the cap only stops a flood.
 */
export class BoundedLabel {
  private readonly admitted = new Set<string>();

  constructor(private readonly max: number) {}

  label(value: string): string {
    if (this.admitted.has(value)) return value;
    if (this.admitted.size < this.max) {
      this.admitted.add(value);
      return value;
    }
    return OTHER_VALUE;
  }
}
