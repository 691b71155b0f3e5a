import { InvalidArgumentError } from 'commander';

/**
 * A commander option parser for a whole number from 1 to `max`. `Number()` alone let
 * `--top abc` print an empty table and `--customers -3` run a demo of nothing.
 */
export function countOption(max: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max.toLocaleString('en-US')}.`);
    }
    return n;
  };
}
