import { Option } from 'commander';
/** A request to a running agentic-pnl service failed. Says which URL and what to check. */
export class ServiceRequestError extends Error {
  override readonly name = 'ServiceRequestError';
}

/** Calls the service's JSON API with the PNL_TOKEN access token if set; errors name the URL and the service's own message. */
export async function callService<T>(base: string, path: string, init: RequestInit = {}): Promise<T> {
  const url = `${base.replace(/\/$/, '')}${path}`;
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...authorization(), ...init.headers } });
  } catch (err) {
    throw new ServiceRequestError(`cannot reach the agentic-pnl service at ${url} (${(err as Error).message}); start it with "npm start" or pass --url`);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // not JSON: keep the text
    }
    throw new ServiceRequestError(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${message}`);
  }
  return JSON.parse(text) as T;
}

/** `Authorization` for a service with access control: the token in PNL_TOKEN. */
export function authorization(): Record<string, string> {
  const token = process.env['PNL_TOKEN'];
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** `--url`: the service the command talks to; default the local one on PNL_PORT. */
export function urlOption(): Option {
  return new Option('--url <url>', 'base URL of a running agentic-pnl service').default(`http://127.0.0.1:${process.env['PNL_PORT'] ?? 4318}`);
}
