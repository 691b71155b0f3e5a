/**
 * A model name pattern from the overrides file: an exact name, or `*` wildcards standing for any run of
 * characters (`ft:gpt-4o-mini:acme:*`, `claude-*-4-*`). Matching ignores case, as catalog matching does.
 */
export interface ModelPattern {
  readonly text: string;
  /** 2 = exact name, 1 = pattern with literal parts, 0 = every model of the provider. */
  readonly rank: number;
  /** Characters other than `*`: among patterns of the same rank, the longer literal is more specific. */
  readonly literalLength: number;
  matches(name: string): boolean;
}

/** Compiles a pattern; an absent model or a lone `*` matches every model. */
export function compileModelPattern(text: string | undefined): ModelPattern {
  const t = (text ?? '*').trim().toLowerCase();
  if (t === '*' || t === '') return { text: '*', rank: 0, literalLength: 0, matches: () => true };
  if (!t.includes('*')) return { text: t, rank: 2, literalLength: t.length, matches: (name) => name === t };
  const body = t
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${body}$`, 's');
  return { text: t, rank: 1, literalLength: t.replace(/\*/g, '').length, matches: (name) => re.test(name) };
}
