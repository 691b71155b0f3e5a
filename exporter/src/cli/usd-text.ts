/** `$0.15`, `$0.60`, `$0.075`, `$2.50`: at least cents, every significant digit kept. */
export function usdText(decimal: string): string {
  const [whole = '0', frac = ''] = decimal.split('.');
  const trimmed = frac.replace(/0+$/, '');
  return `$${whole}.${trimmed.padEnd(2, '0')}`;
}
