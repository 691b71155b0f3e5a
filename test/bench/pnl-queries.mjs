// P&L query speed (issue #4): portfolio summary and one customer snapshot over 10 million
// LLM calls in embedded ClickHouse. Rows are generated inside ClickHouse (numbers()), the
// daily aggregates from them exactly as the exporter writes them; then the real PnlEngine
// queries are timed (median of 5 after one warm-up). Prints figures; asserts nothing.
// BENCH_CALLS changes the size (default 10,000,000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const { PnlStore } = await import(join(root, 'exporter/dist/store/pnl-store.js'));
const { PnlRepository } = await import(join(root, 'exporter/dist/pnl/pnl-repository.js'));
const { PnlEngine } = await import(join(root, 'exporter/dist/pnl/pnl-engine.js'));
const { monthToDate } = await import(join(root, 'exporter/dist/api/date-range.js'));

const CALLS = Number(process.env.BENCH_CALLS ?? 10_000_000);
const CUSTOMERS = 5000;
const dir = mkdtempSync(join(tmpdir(), 'pnl-bench-queries-'));
const store = await PnlStore.open({ kind: 'embedded', dataDir: dir });
const fmt = (n) => Math.round(n).toLocaleString('en-US');
try {
  const range = monthToDate();
  const days = Math.max(1, new Date().getUTCDate());
  let t = performance.now();
  // Calls spread over the days of this month so far, 5,000 customers, 5 features, 6 models.
  await store.client.command({
    query: `INSERT INTO pnl.llm_calls (start_time, trace_id, span_id, run_id, customer_id, customer_tier, feature_id, provider, request_model,
              attempt, attempt_reason, input_tokens, input_tokens_reported, cache_read_tokens, output_tokens, has_usage,
              cost_usd, priced, status, duration_us)
            SELECT toDateTime64('${range.from} 00:00:00', 6, 'UTC') + toIntervalSecond(number % (${days} * 86400)),
                   lpad(hex(number), 32, '0'), lpad(hex(number), 16, '0'), concat('run_', toString(intDiv(number, 3))),
                   concat('cust_', toString(number % ${CUSTOMERS})), ['free','pro','enterprise'][1 + number % 3],
                   ['chat','search','summarize','triage','rewrite'][1 + number % 5], ['openai','anthropic'][1 + number % 2],
                   ['gpt-4o-mini','gpt-4o','claude-sonnet-4-20250514'][1 + number % 3],
                   if(number % 7 = 0, 1, 0), if(number % 7 = 0, 'retry', ''), 1000 + number % 3000, 1000 + number % 3000, number % 500,
                   200 + number % 800, true, toDecimal128((number % 1000) / 100000, 12), true, if(number % 50 = 0, 'error', 'ok'), 800000
            FROM numbers(${CALLS})`,
    clickhouse_settings: { max_insert_threads: 2 },
  });
  await store.client.command({
    query: `INSERT INTO pnl.llm_costs_daily
            SELECT toDate(start_time), customer_id, feature_id, provider, request_model, attempt_reason, count(), countIf(status = 'error'),
                   countIf(NOT priced), sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(output_tokens),
                   sum(reasoning_tokens), sum(ifNull(cost_usd, toDecimal128(0, 12))), sum(duration_us), any(customer_tier)
            FROM pnl.llm_calls GROUP BY toDate(start_time), customer_id, feature_id, provider, request_model, attempt_reason`,
  });
  await store.client.command({
    query: `INSERT INTO pnl.agent_runs (start_time, trace_id, span_id, run_id, customer_id, agent_name, outcome, status, duration_us)
            SELECT toDateTime64('${range.from} 00:00:00', 6, 'UTC') + toIntervalSecond(number % (${days} * 86400)), lpad(hex(number), 32, '0'),
                   lpad(hex(number), 16, '0'), concat('run_', toString(number)), concat('cust_', toString(number % ${CUSTOMERS})), 'agent',
                   if(number % 9 = 0, 'failure', 'success'), 'ok', 2000000
            FROM numbers(${Math.floor(CALLS / 3)})`,
  });
  const [{ n, d }] = await store.select('SELECT (SELECT count() FROM pnl.llm_calls) AS n, (SELECT count() FROM pnl.llm_costs_daily) AS d');
  console.log(`generated ${fmt(n)} calls, ${fmt(Math.floor(CALLS / 3))} runs, ${fmt(d)} daily aggregate rows for ${CUSTOMERS} customers in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const engine = new PnlEngine(new PnlRepository(store), { tierMonthlyPrices: { free: 0, pro: 99, enterprise: 999 }, marginTargetPct: 50 });
  const time = async (label, fn) => {
    await fn();
    const ms = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await fn();
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    console.log(`${label.padEnd(44)} median ${ms[2].toFixed(0)} ms, best ${ms[0].toFixed(0)} ms   (target < 500 ms)`);
  };
  await time(`portfolio summary (${CUSTOMERS} customers)`, () => engine.summary(range));
  await time('one customer snapshot', () => engine.snapshot('cust_42', range));
  await time('one customer budget status', () => engine.budgetStatus('cust_42'));
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
