/** Code-unit order of two strings, for sorting ids and `YYYY-MM-DD` days deterministically (no locale). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
