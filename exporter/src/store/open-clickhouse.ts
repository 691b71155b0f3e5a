import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { StoreError } from './store-error.js';

/** Where ClickHouse is: embedded in this process under a directory, or a server over HTTP. */
export type ClickHouseTarget =
  | { kind: 'embedded'; dataDir: string }
  | { kind: 'remote'; url: string; username?: string; password?: string; cluster?: string };

/*
 * Settings every session uses: decimals come back as exact strings (never floats), and
 * 64-bit integers as JSON numbers (token sums stay far below 2^53).
 */
const SESSION_SETTINGS = {
  output_format_json_quote_decimals: 1,
  output_format_json_quote_64bit_integers: 0,
} as const;

/*
 * On a cluster (docs/scaling.md) an insert into a Distributed table returns only once every
 * shard has stored its rows, as on one server: the exporter keeps a batch in its spool until
 * then, and a retry carries the same insert_deduplication_token to the same shards. In the
 * default background mode the rows would wait in a queue on the server that took the insert.
 */
const CLUSTER_SETTINGS = { distributed_foreground_insert: 1 } as const;

/**
 * Opens a `@clickhouse/client` on the chosen target. Both targets go through the same client
 * API, so every query and insert in this package runs unchanged on either: the embedded engine
 * is plugged in as the client's connection (`chdb/connection`). `chdb` is imported only here,
 * lazily, because its engine library is ~500 MB and server deployments need not install it.
 */
export async function openClickHouse(target: ClickHouseTarget): Promise<ClickHouseClient> {
  if (target.kind === 'remote') {
    return createClient({
      url: target.url,
      ...(target.username !== undefined ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      clickhouse_settings: target.cluster !== undefined ? { ...SESSION_SETTINGS, ...CLUSTER_SETTINGS } : SESSION_SETTINGS,
      // Its own console warnings would break our JSON-lines log; every failure surfaces as an error we log.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }
  let createChdbConnection: (opts: { path: string }) => unknown;
  try {
    ({ createChdbConnection } = (await import('chdb/connection')) as { createChdbConnection: (opts: { path: string }) => unknown });
  } catch (err) {
    throw new StoreError(
      'embedded engine load',
      new Error(`the optional package "chdb" is not installed (${(err as Error).message}); run "npm install chdb" or set CLICKHOUSE_URL to use a ClickHouse server`),
    );
  }
  const connection = createChdbConnection({ path: target.dataDir });
  return createClient({ connection: connection as never, clickhouse_settings: SESSION_SETTINGS });
}

/** A server URL fit for logs and messages: its password replaced by `***`. */
export function redactedUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
