/**
 * A copy of `sql` in which a keyword search sees only code: the insides of string literals,
 * quoted identifiers and comments become spaces. With `topLevelOnly`, everything inside
 * parentheses is blanked too (the outermost pair stays), so a search finds only the clauses of
 * the statement itself, never a word in a column list, a COMMENT or a function call. The copy
 * has the same length: an index found in it is an index in `sql`. Throws on unbalanced
 * parentheses, which no valid statement has.
 */
export function maskSql(sql: string, topLevelOnly = false): string {
  const out = sql.split('');
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let depth = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '`' || c === '"') {
      const end = closingQuote(sql, i);
      blank(topLevelOnly && depth > 0 ? i : i + 1, topLevelOnly && depth > 0 ? end + 1 : end);
      i = end + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl < 0 ? sql.length : nl;
      blank(i, end);
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close < 0 ? sql.length : close + 2;
      blank(i, end);
      i = end;
    } else {
      if (c === ')') depth--;
      if (depth < 0) throw new SyntaxError(`unbalanced ")" at offset ${i}`);
      if (topLevelOnly && depth > 0 && c !== '\n') out[i] = ' ';
      if (c === '(') depth++;
      i++;
    }
  }
  if (depth !== 0) throw new SyntaxError(`${depth} unclosed "("`);
  return out.join('');
}

/** The parts of `text` between its top-level commas, trimmed (a column list, a key tuple). */
export function splitTopLevel(text: string): string[] {
  const mask = maskSql(text, true);
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i <= mask.length; i++) {
    if (i === mask.length || mask[i] === ',') {
      const part = text.slice(from, i).trim();
      if (part !== '') parts.push(part);
      from = i + 1;
    }
  }
  return parts;
}

/** Index of the quote closing the literal or identifier opened at `start` (backslash and doubled-quote escapes). */
function closingQuote(sql: string, start: number): number {
  const q = sql[start];
  let j = start + 1;
  while (j < sql.length) {
    if (sql[j] === '\\') j += 2;
    else if (sql[j] === q && sql[j + 1] === q) j += 2;
    else if (sql[j] === q) return j;
    else j++;
  }
  return sql.length - 1;
}
