import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { otlpEncodingOf, responseContentType, statusResponse, type OtlpEncoding } from '../receive/otlp-response.js';
import type { AccessTokens, Principal } from './access-tokens.js';
import { accessFor } from './route-access.js';
import { roleGrants } from './roles.js';

const GRPC_UNAUTHENTICATED = 16;
const GRPC_PERMISSION_DENIED = 7;

/**
 * Express middleware: every request to a non-public endpoint must carry
 * `Authorization: Bearer <token>` of a role that grants it. 401 without a valid token, 403
 * with a token of a lesser role. The principal is left in `res.locals.principal` for the
 * audit log. `/v1/traces` answers in OTLP's error format, everything else in our JSON one.
 */
export function accessControl(tokens: AccessTokens, onDenied: (reason: 'unauthenticated' | 'forbidden') => void = () => undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const { access } = accessFor(req.method, req.path);
    if (access === 'public') return next();
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const principal = match ? tokens.identify(match[1]!) : undefined;
    if (principal === undefined) {
      onDenied('unauthenticated');
      res.set('WWW-Authenticate', 'Bearer realm="agentic-pnl"');
      const why = header === '' ? 'no Authorization header' : match ? 'the token is not valid' : 'the Authorization header is not "Bearer <token>"';
      deny(req, res, 401, 'unauthenticated', `${why}; send "Authorization: Bearer <token>" with a token of role ${access} or higher (see README, Access control)`);
      return;
    }
    if (!roleGrants(principal.role, access)) {
      onDenied('forbidden');
      deny(req, res, 403, 'forbidden', `token "${principal.name}" has role ${principal.role}; ${req.method} ${req.path} needs role ${access}`);
      return;
    }
    res.locals['principal'] = principal;
    next();
  };
}

/** The authenticated principal of a request, if access control is on. */
export function principalOf(res: Response): Principal | undefined {
  return res.locals['principal'] as Principal | undefined;
}

function deny(req: Request, res: Response, status: 401 | 403, code: string, message: string): void {
  req.resume(); // let the unread body drain so the connection can be reused
  if (req.path === '/v1/traces') {
    const encoding: OtlpEncoding = otlpEncodingOf(req.headers['content-type']) ?? 'json';
    const grpc = status === 401 ? GRPC_UNAUTHENTICATED : GRPC_PERMISSION_DENIED;
    res.status(status).set('Content-Type', responseContentType(encoding, req.headers['content-type'])).end(statusResponse(encoding, grpc, message));
    return;
  }
  res.status(status).json({ error: { code, message } });
}
