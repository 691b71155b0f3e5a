import { z } from 'zod';
import { fractionDigits, isPlainDecimal, numberToPlainDecimal } from './money.js';

/*
 * Field types shared by the override entry and its long-context tiers. Values arrive as text (the overrides
 * file is read with YAML's failsafe schema) or as numbers (overrides given in code); both are checked to the
 * exact text that will be used, and every message says what to write instead.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A decimal field with at most `maxDigits` fraction digits (the precision money is held at for that unit). */
export function decimal(what: string, example: string, maxDigits: number, max?: string) {
  return z.union([z.string(), z.number()], { error: `must be a decimal ${what}, e.g. ${example}` }).transform((v, ctx) => {
    const text = typeof v === 'number' ? (Number.isFinite(v) && v >= 0 ? numberToPlainDecimal(v) : String(v)) : v.trim();
    if (!isPlainDecimal(text)) {
      ctx.addIssue({ code: 'custom', message: `must be a plain decimal ${what} such as ${example} (no sign, exponent or unit), got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    if (fractionDigits(text) > maxDigits) {
      ctx.addIssue({ code: 'custom', message: `has more than ${maxDigits} decimal places (${text}), finer than prices are held (1e-12 USD); round it to ${maxDigits} places` });
      return z.NEVER;
    }
    if (max !== undefined && Number(text) > Number(max)) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${max}, got ${text}` });
      return z.NEVER;
    }
    return text;
  });
}

/** USD per million tokens. */
export const mtok = decimal('of USD per million tokens', '0.15', 6);

/** An ISO date (UTC midnight) or date-time with zone, as text and microseconds since the epoch. */
export const instant = z.string({ error: 'must be an ISO date like 2025-01-31 or a date-time like 2025-01-31T12:00:00Z' }).transform((v, ctx) => {
  const text = v.trim();
  const date = ISO_DATE.exec(text) ?? ISO_DATE_TIME.exec(text);
  const ms = ISO_DATE.test(text) ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text);
  // Date.parse rolls 2025-02-30 over to March; compare the calendar date back to reject it.
  const [, y, m, d] = date ?? [];
  const sameDay = date !== null && new Date(Date.UTC(Number(y), Number(m) - 1, Number(d))).toISOString().startsWith(`${y}-${m}-${d}`);
  if (date === null || Number.isNaN(ms) || !sameDay) {
    ctx.addIssue({ code: 'custom', message: `must be an ISO date like 2025-01-31 (UTC midnight) or a date-time with zone like 2025-01-31T12:00:00Z, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return { text, us: ms * 1000 };
});

/** A positive whole number of tokens, written as digits (`200000`; no separators, sign or exponent). */
export const tokenThreshold = z
  .union([z.string(), z.number()], { error: 'is required: the input-token threshold as a whole number, e.g. 200000' })
  .transform((v, ctx) => {
    const text = typeof v === 'number' ? String(v) : v.trim();
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a whole number of input tokens above 0 such as 200000 (digits only; the tier applies when a call's total input exceeds it), got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    return n;
  });
