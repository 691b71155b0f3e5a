/** One thing wrong in an invoice CSV: where (1-based line of the file, column name) and what to do. */
export interface InvoiceCsvProblem {
  line: number;
  /** The CSV column, or undefined for a problem with the whole line or file. */
  column: string | undefined;
  message: string;
}

/** At most this many problems are spelled out; a file wrong throughout says so once. */
const MAX_LISTED = 20;

/**
 * An invoice CSV could not be imported. Lists every problem found (up to 20, then a count), each
 * with its file, line and column, so a whole file can be fixed in one go. Nothing of the file is
 * stored when there is any problem.
 */
export class InvoiceCsvError extends Error {
  override readonly name = 'InvoiceCsvError';
  constructor(
    readonly file: string,
    readonly problems: readonly InvoiceCsvProblem[],
  ) {
    const listed = problems.slice(0, MAX_LISTED).map((p) => `${file} line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ''}: ${p.message}`);
    const more = problems.length > MAX_LISTED ? [`... and ${problems.length - MAX_LISTED} more problem(s)`] : [];
    super(`invoice CSV ${file}: ${problems.length} problem(s): ${[...listed, ...more].join('; ')}`);
  }
}
