import type { Response } from 'express';
import type { z } from 'zod';

/** An API request that cannot be served as sent. Rendered as `{error: {code, message}}` with `status`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** A 400 listing every validation problem with its path, from a zod error. */
  static fromZod(what: string, error: z.ZodError): ApiError {
    const problems = error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`);
    return new ApiError(400, 'invalid_request', `${what}: ${problems.join('; ')}`);
  }
}

export function sendApiError(res: Response, err: ApiError): void {
  res.status(err.status).json({ error: { code: err.code, message: err.message } });
}
