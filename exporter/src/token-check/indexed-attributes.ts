import type { AttrValue, Attributes } from '../model/decoded-span.js';

/** Fields of one indexed entry, keyed by the rest of the attribute key (`role`, `content`, `tool_calls.0.name`). */
export type IndexedEntry = Map<string, AttrValue>;

/**
 * Flattened lists such as `gen_ai.prompt.0.role` / `gen_ai.prompt.0.content`: the entries under
 * `prefix` ordered by index (numerically: 10 after 9). Undefined when no key has the prefix.
 */
export function indexedEntries(attrs: Attributes, prefix: string): IndexedEntry[] | undefined {
  const head = `${prefix}.`;
  let byIndex: Map<number, IndexedEntry> | undefined;
  for (const key of Object.keys(attrs)) {
    if (!key.startsWith(head)) continue;
    const dot = key.indexOf('.', head.length);
    if (dot < 0) continue;
    const index = Number(key.slice(head.length, dot));
    if (!Number.isSafeInteger(index) || index < 0) continue;
    byIndex ??= new Map();
    let entry = byIndex.get(index);
    if (entry === undefined) byIndex.set(index, (entry = new Map()));
    entry.set(key.slice(dot + 1), attrs[key]!);
  }
  if (byIndex === undefined) return undefined;
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, entry]) => entry);
}

/** True when the entry has a field equal to `field` or under `field.`. */
export function hasField(entry: IndexedEntry, field: string): boolean {
  for (const key of entry.keys()) if (key === field || key.startsWith(`${field}.`) || key.startsWith(`${field}_`)) return true;
  return false;
}
