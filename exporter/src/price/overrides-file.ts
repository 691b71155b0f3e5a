import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { PriceOverride, ValidOverride } from './override-schema.js';
import { overrideEntrySchema, toValidOverride } from './override-schema.js';
import type { PriceBookProblem } from './price-book-error.js';
import { PriceBookError } from './price-book-error.js';

/** Top level only; entries are checked one by one so every entry's problems are reported. */
const topLevelSchema = z.strictObject(
  {
    version: z.union([z.literal('1'), z.literal(1)], { error: 'must be 1 (the only format version so far); put `version: 1` at the top' }),
    overrides: z.array(z.unknown(), { error: 'must be a list of override entries (`- provider: ...`)' }).default([]),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown top-level key(s) ${issue.keys.join(', ')}: the file has only version and overrides`
        : 'the file must be a mapping with `version: 1` and `overrides:` (see examples/prices.example.yaml)',
  },
);

type Locate = (path: readonly PropertyKey[]) => number | undefined;

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/**
 * Reads and validates a price overrides YAML file. Throws {@link PriceBookError} listing every problem
 * (unreadable file, YAML syntax, unknown keys, bad values, duplicate ids, ambiguous entries) at once.
 */
export async function readOverridesFile(path: string): Promise<ValidOverride[]> {
  return parseOverridesYaml(await readOverridesText(path), path);
}

/** The overrides file's text, unchecked. Throws {@link PriceBookError} when it cannot be read. */
export async function readOverridesText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new PriceBookError(path, [{ path: '', message: `cannot read the file (${reason}); point PNL_PRICES_FILE at a readable YAML file, or unset it to use catalog prices only` }]);
  }
}

/**
 * Validates overrides YAML text. Scalars are read with YAML's failsafe schema, so every number stays the
 * exact decimal text written (`0.1` never becomes a float first).
 */
export function parseOverridesYaml(text: string, source: string): ValidOverride[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PriceBookError(
      source,
      doc.errors.map((e) => ({ path: '', line: e.linePos?.[0].line, message: `YAML syntax: ${e.message.split('\n')[0] ?? ''}` })),
    );
  }
  const locate: Locate = (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range !== undefined) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const top = topLevelSchema.safeParse(doc.toJS() ?? undefined);
  if (!top.success) {
    throw new PriceBookError(source, top.error.issues.map((i) => ({ path: pathText(i.path), line: locate(i.path), message: i.message })));
  }
  return validateEntries(top.data.overrides, source, ['overrides'], locate);
}

/** Validates overrides given in code (tests, `createPriceBook`) with the same rules as the file. */
export function validateOverrides(entries: readonly PriceOverride[], source = '<inline>'): ValidOverride[] {
  return validateEntries(entries, source, ['overrides'], () => undefined);
}

function validateEntries(entries: readonly unknown[], source: string, prefix: readonly PropertyKey[], locate: Locate): ValidOverride[] {
  const problems: PriceBookProblem[] = [];
  const valid: { index: number; entry: ValidOverride }[] = [];
  entries.forEach((raw, index) => {
    const result = overrideEntrySchema.safeParse(raw);
    const rawId = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
    if (result.success) {
      valid.push({ index, entry: toValidOverride(result.data) });
      return;
    }
    for (const issue of result.error.issues) {
      const path = [...prefix, index, ...issue.path];
      problems.push({ path: pathText(path), ...(rawId === undefined ? {} : { entryId: rawId }), line: locate(path), message: issue.message });
    }
  });
  problems.push(...crossEntryProblems(valid, prefix, locate));
  if (problems.length > 0) throw new PriceBookError(source, problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  return valid.map((v) => v.entry);
}

/** Rules between entries: unique ids, and no two entries that precedence cannot tell apart. */
function crossEntryProblems(valid: { index: number; entry: ValidOverride }[], prefix: readonly PropertyKey[], locate: Locate): PriceBookProblem[] {
  const problems: PriceBookProblem[] = [];
  const byId = new Map<string, number>();
  valid.forEach(({ index, entry }, k) => {
    const path = [...prefix, index];
    const first = byId.get(entry.id);
    if (first !== undefined) {
      problems.push({
        path: pathText([...path, 'id']),
        entryId: entry.id,
        line: locate([...path, 'id']),
        message: `duplicates the id of ${pathText([...prefix, first])}; ids are recorded on every priced call and must be unique (set a distinct id)`,
      });
    } else byId.set(entry.id, index);
    for (const other of valid.slice(0, k)) {
      const o = other.entry;
      if (o.provider !== entry.provider || o.model !== entry.model || o.serviceTier !== entry.serviceTier) continue;
      if ((o.effectiveFrom?.us ?? -Infinity) !== (entry.effectiveFrom?.us ?? -Infinity)) continue;
      problems.push({
        path: pathText(path),
        entryId: entry.id,
        line: locate(path),
        message: `has the same provider, model, service_tier and effective_from as ${pathText([...prefix, other.index])}, so neither takes precedence; give one a later effective_from (and end the other with effective_to) or remove one`,
      });
    }
  });
  return problems;
}
