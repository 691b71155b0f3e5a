/** Label value shared by every value past a label's limit. */
export const OTHER_VALUE = '__other__';

/**
 * The longest label value a metric takes as it is; longer ones share `__other__`. The values
 * come from span attributes: a sender's 300 KB customer id made a 400 KB line in every scrape
 * (found by an audit). Real ids and names are far shorter; ClickHouse keeps the full value.
 */
export const MAX_LABEL_VALUE_LENGTH = 256;

/**
 * prom-client keys a series by `name:value,` per label, unescaped: a value holding `,<label>:`
 * made two different label sets one series, the second's increments reported under the first's
 * labels (found by an audit). No real id or name has that shape.
 */
const SERIES_KEY_SEPARATOR = /,\w+:/;

/** True when `value` may be a label value as it is: short enough, and not mistaken for another label set. */
export function isKeepableLabelValue(value: string): boolean {
  return value.length <= MAX_LABEL_VALUE_LENGTH && !SERIES_KEY_SEPARATOR.test(value);
}

/** `value`, or `__other__` when it may not be a label value as it is (isKeepableLabelValue). */
export function keepableLabelValue(value: string): string {
  return isKeepableLabelValue(value) ? value : OTHER_VALUE;
}

/**
 * Caps how many distinct values one metric label takes (feature, provider, model, agent): they
 * come from span attributes, so a buggy or hostile sender could otherwise create series without
 * end and take Prometheus down. The first `max` values seen keep their name; later ones share
 * `__other__`, as do values over MAX_LABEL_VALUE_LENGTH, and ClickHouse keeps full detail.
 * Unlike customers there is no ranking to follow: real deployments have tens of these, and the
 * cap only stops a flood.
 */
export class BoundedLabel {
  private readonly admitted = new Set<string>();

  constructor(private readonly max: number) {}

  label(value: string): string {
    if (this.admitted.has(value)) return value;
    if (this.admitted.size < this.max && isKeepableLabelValue(value)) {
      this.admitted.add(value);
      return value;
    }
    return OTHER_VALUE;
  }
}
