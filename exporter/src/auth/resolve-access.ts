import { AccessConfigError } from './access-config-error.js';
import { AccessTokens } from './access-tokens.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Decides whether access control is on. `auto` (the default) turns it on when the service
 * listens beyond loopback or when tokens are configured; `on` always; `off` never (for a
 * gateway that authenticates in front). On without tokens is refused at start: a service
 * reachable from the network with no way in would be useless, and with no check unsafe.
 */
export function resolveAccess(options: { mode: 'auto' | 'on' | 'off'; host: string; tokensFile?: string | undefined; tokens?: string | undefined }): AccessTokens | undefined {
  const configured = options.tokensFile !== undefined || options.tokens !== undefined;
  const tokens = configured ? AccessTokens.load({ file: options.tokensFile, env: options.tokens }) : undefined;
  if (options.mode === 'off') return undefined;
  const enabled = options.mode === 'on' || !LOOPBACK.has(options.host) || configured;
  if (!enabled) return undefined;
  if (tokens === undefined || tokens.size === 0) {
    throw new AccessConfigError([
      `${options.mode === 'on' ? 'PNL_AUTH=on' : `PNL_HOST=${options.host} is reachable beyond this machine`}, so access control is required, but no tokens are configured: set PNL_TOKENS_FILE (see README, Access control; "agentic-pnl tokens new" makes one) or PNL_TOKENS, or set PNL_AUTH=off if a gateway in front authenticates`,
    ]);
  }
  return tokens;
}
