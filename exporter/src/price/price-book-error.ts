/** One thing wrong with a price overrides source. */
export interface PriceBookProblem {
  /** Where: `overrides[2].input_mtok`, or '' for the file as a whole. */
  path: string;
  /** The entry's `id`, when it has a usable one, to find it in a long file. */
  entryId?: string;
  /** 1-based line in the file, when known. */
  line?: number;
  /** What is wrong and what to do about it. */
  message: string;
}

/**
 * Invalid price overrides. Lists every problem found, not only the first, each with where it is and what
 * to do, so a file can be fixed in one pass. Thrown by `loadPriceBook` and `createPriceBook`.
 */
export class PriceBookError extends Error {
  override readonly name = 'PriceBookError';
  /** File path, or `<inline>` for overrides passed in code. */
  readonly source: string;
  readonly problems: readonly PriceBookProblem[];

  constructor(source: string, problems: readonly PriceBookProblem[]) {
    const lines = problems.map((p) => {
      const where = [p.path, p.entryId === undefined ? '' : `id ${JSON.stringify(p.entryId)}`, p.line === undefined ? '' : `line ${p.line}`]
        .filter((s) => s !== '')
        .join(', ');
      return `  - ${where === '' ? '' : `${where}: `}${p.message}`;
    });
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`Invalid price overrides in ${source} (${count}):\n${lines.join('\n')}`);
    this.source = source;
    this.problems = problems;
  }
}
