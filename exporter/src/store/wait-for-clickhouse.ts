import type { ClickHouseClient } from '@clickhouse/client';
import { StoreError } from './store-error.js';

export interface WaitOptions {
  /** The server's URL, for messages (credentials removed). */
  url: string;
  /** How long to keep trying (ms); 0 = one attempt. */
  waitMs: number;
  /** Called before each wait with the attempt that failed, why, and the delay until the next. */
  onRetry?: (attempt: number, error: string, nextInMs: number) => void;
}

/** One ping may not hang longer than this (a host that drops packets answers nothing at all). */
const PING_TIMEOUT_MS = 5_000;
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

/**
 * Waits until a ClickHouse server answers `/ping`, retrying with backoff for up to `waitMs`.
 * A server started beside the exporter (compose, a pod) may still be starting, or briefly
 * behind a proxy answering 502/503; without this the exporter exited at once and its
 * orchestrator had to restart it until ClickHouse came up.
 * `/ping` needs no credentials: a wrong password is reported by the first real statement.
 * @throws StoreError naming the URL, the last failure and the setting to change.
 */
export async function waitForClickHouse(client: ClickHouseClient, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.waitMs;
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    const error = await pingError(client);
    if (error === undefined) return;
    const left = deadline - Date.now();
    if (left <= 0) {
      const waited = options.waitMs > 0 ? ` within ${Math.round(options.waitMs / 1000)} s (${attempt} attempts)` : '';
      throw new StoreError(
        'connection',
        new Error(`${options.url} did not answer${waited}: ${error}. Check CLICKHOUSE_URL and that the server is running, or wait longer with PNL_CLICKHOUSE_WAIT_MS`),
      );
    }
    const next = Math.min(delay, left);
    options.onRetry?.(attempt, error, next);
    await new Promise((resolve) => setTimeout(resolve, next));
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

/** Why a ping failed, or undefined when the server answered. */
async function pingError(client: ClickHouseClient): Promise<string | undefined> {
  try {
    const r = await client.ping({ select: false, abort_signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
    return r.success ? undefined : r.error.message.trim() || 'no answer';
  } catch (err) {
    return (err as Error).message;
  }
}
