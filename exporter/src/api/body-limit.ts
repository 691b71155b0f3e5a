import type { RequestHandler } from 'express';
import { ApiError } from './api-error.js';

/** A byte count as people write limits: 5 MiB, 100 KiB. */
export function byteSizeText(bytes: number): string {
  if (bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20} MiB`;
  if (bytes % 2 ** 10 === 0) return `${bytes / 2 ** 10} KiB`;
  return `${bytes} bytes`;
}

/**
 * Wraps a body parser made with `limit: limitBytes` so that a body over the limit is answered 413
 * with the limit and what to do (`advice`), instead of body-parser's bare "request entity too
 * large", which left a client to guess how much it may send. The code stays body-parser's
 * `entity.too.large`.
 */
export function explainBodyLimit(parser: RequestHandler, limitBytes: number, advice: string): RequestHandler {
  return (req, res, next) => {
    parser(req, res, (err?: unknown) => {
      if ((err as { type?: unknown } | undefined)?.type !== 'entity.too.large') return next(err);
      next(new ApiError(413, 'entity.too.large', `the request body is over the ${byteSizeText(limitBytes)} limit of ${req.method} ${req.path}; ${advice}`));
    });
  };
}
