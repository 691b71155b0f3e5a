import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { tokenDigest } from '../auth/access-tokens.js';
import { ROLES } from '../auth/roles.js';

/**
 * `agentic-pnl tokens new --role R --name N`: a random token for the holder, and the tokens-file
 * entry that holds only its SHA-256, so the file never contains a usable secret.
 */
export function registerTokensCommand(program: Command, out: (text: string) => void = (t) => process.stdout.write(t)): Command {
  const tokens = program.command('tokens').description('Access tokens for the service (see README, Access control).');
  tokens
    .command('new')
    .description('Print a new random token and its PNL_TOKENS_FILE entry (which stores only the digest).')
    .addOption(new Option('--role <role>', 'what the token may do').choices(ROLES).makeOptionMandatory())
    .requiredOption('--name <name>', 'who holds it; appears in the audit log, e.g. otel-collector')
    .action((o: { role: string; name: string }) => {
      const token = `pnl_${randomBytes(24).toString('base64url')}`;
      out(`# token for ${o.name} (give it to them; it is not stored anywhere):\n#   ${token}\n`);
      out(`# entry for PNL_TOKENS_FILE:\n  - { name: ${o.name}, role: ${o.role}, sha256: ${tokenDigest(token)} }\n`);
    });
  return program;
}
