import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ROLES, type Role } from './roles.js';
import { AccessConfigError } from './access-config-error.js';

/** Who a valid token belongs to. The token itself is never kept in clear or logged. */
export interface Principal {
  name: string;
  role: Role;
}

const MIN_TOKEN_LENGTH = 16;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const entrySchema = z
  .strictObject({
    name: z.string().regex(/^[\w.@:-]{1,64}$/, 'must be 1-64 letters, digits or . _ @ : -'),
    role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
    token: z.string().min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters (use "agentic-pnl tokens new")`).optional(),
    sha256: z.string().regex(SHA256_HEX, 'must be the 64 hex digits of the token\'s SHA-256').optional(),
  })
  .refine((e) => (e.token === undefined) !== (e.sha256 === undefined), { message: 'needs exactly one of token or sha256' });

const fileSchema = z.strictObject({ tokens: z.array(entrySchema).min(1, 'must list at least one token') });

/** Hex SHA-256 of a token: what a tokens file should hold instead of the token. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The configured access tokens. A presented token is hashed and compared with every
 * configured digest using a constant-time comparison, without stopping at a match, so timing
 * reveals neither which token matched nor how much of one did.
 */
export class AccessTokens {
  private constructor(private readonly entries: ReadonlyArray<{ principal: Principal; digest: Buffer }>) {}

  /**
   * Reads tokens from a YAML file (`tokens: [{name, role, sha256 | token}]`) and/or the
   * PNL_TOKENS value (`role:name:token` items separated by commas). Throws AccessConfigError
   * naming the file or variable and each bad entry; never echoes a token.
   */
  static load(source: { file?: string | undefined; env?: string | undefined }): AccessTokens {
    const entries: Array<{ principal: Principal; digest: Buffer }> = [];
    const problems: string[] = [];
    if (source.file !== undefined) {
      let doc: unknown;
      try {
        doc = parse(readFileSync(source.file, 'utf8'));
      } catch (err) {
        throw new AccessConfigError([`PNL_TOKENS_FILE ${source.file}: cannot read it as YAML (${(err as Error).message})`]);
      }
      const parsed = fileSchema.safeParse(doc);
      if (!parsed.success) {
        for (const i of parsed.error.issues) problems.push(`PNL_TOKENS_FILE ${source.file}: ${i.path.join('.') || '(top level)'} ${i.message}`);
      } else {
        for (const e of parsed.data.tokens) {
          entries.push({ principal: { name: e.name, role: e.role }, digest: Buffer.from(e.sha256 ?? tokenDigest(e.token!), 'hex') });
        }
      }
    }
    if (source.env !== undefined) {
      source.env
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .forEach((item, i) => {
          const [role, name, ...rest] = item.split(':');
          const token = rest.join(':');
          const parsed = entrySchema.safeParse({ role, name, token });
          if (!parsed.success) problems.push(`PNL_TOKENS item ${i + 1} (role:name:token): ${parsed.error.issues.map((x) => `${x.path.join('.')} ${x.message}`).join('; ')}`);
          else entries.push({ principal: { name: parsed.data.name, role: parsed.data.role }, digest: Buffer.from(tokenDigest(token), 'hex') });
        });
    }
    const names = entries.map((e) => e.principal.name);
    for (const n of new Set(names.filter((x, i) => names.indexOf(x) !== i))) problems.push(`token name "${n}" is used twice; names appear in the audit log and must be unique`);
    if (problems.length > 0) throw new AccessConfigError(problems);
    return new AccessTokens(entries);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal a presented token belongs to, or undefined. */
  identify(presented: string): Principal | undefined {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: Principal | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(digest, e.digest) && found === undefined) found = e.principal;
    }
    return found;
  }
}
