/**
 * Expands a ClickHouse panel query as Grafana and grafana-clickhouse-datasource v4.20 would,
 * for fixed bounds and interval, so the SQL can run on the real engine in tests. See
 * shared/reference/grafana-provisioning.md (beside the repository) ("Backend macros"). Unknown macros are left in
 * place, as the plugin does, so a test that asserts no `$` remains catches them.
 */
export interface MacroContext {
  /** Range bounds, Unix seconds. */
  from: number;
  to: number;
  /** Grafana's interval for the panel, seconds. */
  intervalSeconds: number;
  /**
   * Variable values, substituted before the macros (Grafana does it in the browser). An array is
   * a multi-value choice, or "All" with a blank custom all value: every option.
   */
  variables: Record<string, string | readonly string[]>;
}

const utcDay = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 10);

export function expandQuery(sql: string, ctx: MacroContext): string {
  const interval = Math.max(Math.floor(ctx.intervalSeconds), 1);
  let out = sql.replace(/\$\{(\w+):singlequote\}/g, (m, name: string) => {
    const v = ctx.variables[name];
    const quote = (x: string): string => `'${x.replace(/'/g, "\\'")}'`;
    return v === undefined ? m : typeof v === 'string' ? quote(v) : v.map(quote).join(',');
  });
  out = out.replace(/\$\{(\w+)\}|\$(\w+)\b/g, (m, a: string | undefined, b: string | undefined) => {
    const v = ctx.variables[(a ?? b)!];
    return v === undefined ? m : typeof v === 'string' ? v : v.join(',');
  });
  out = out
    .replace(/\$__timeFilter\(([^()]+)\)/g, (_m, c: string) => `${c.trim()} >= toDateTime(${ctx.from}) AND ${c.trim()} <= toDateTime(${ctx.to})`)
    .replace(/\$__dateFilter\(([^()]+)\)/g, (_m, c: string) => `${c.trim()} >= toDate('${utcDay(ctx.from)}') AND ${c.trim()} <= toDate('${utcDay(ctx.to)}')`)
    .replace(/\$__timeInterval\(([^()]+)\)/g, (_m, c: string) => `toStartOfInterval(toDateTime(${c.trim()}), INTERVAL ${interval} second)`)
    .replace(/\$__fromTime\b/g, `toDateTime(${ctx.from})`)
    .replace(/\$__toTime\b/g, `toDateTime(${ctx.to})`)
    .replace(/\$__interval_s\b/g, String(interval));
  return out;
}
