/*
 * Measures PriceBook.rate() on a realistic mix: cached and uncached calls over several providers, a tiered
 * model, a time-of-day model, dated prices, a discount override and an unknown model.
 * Run: npm run bench price-rate   (prints nanoseconds per call; budget is 1 µs)
 */
import { createPriceBook } from '../../exporter/src/price/index.js';
import { llmCall } from '../price/llm-call-fixture.js';

const book = createPriceBook([{ id: 'acme', provider: 'openai', discount_percent: 12.5, effective_from: '2025-01-01' }]);
const models: [string, string][] = [
  ['openai', 'gpt-4o-mini'], ['openai', 'gpt-4o'], ['openai', 'o3'], ['anthropic', 'claude-sonnet-4-20250514'],
  ['anthropic', 'claude-3-5-haiku-latest'], ['google', 'gemini-2.5-pro'], ['google', 'gemini-2.5-flash'],
  ['deepseek', 'deepseek-v4-flash'], ['aws-bedrock', 'anthropic.claude-3-5-haiku-20241022-v1:0'], ['openai', 'no-such-model'],
];
const calls = Array.from({ length: 4096 }, (_, i) => {
  const [provider, model] = models[i % models.length] as [string, string];
  const day = 1 + (i % 28);
  return llmCall(provider, model, {
    inputUncached: 500 + ((i * 7919) % 20_000),
    cacheRead: i % 3 === 0 ? 0 : (i * 104_729) % 50_000,
    cacheWrite: i % 5 === 0 ? 1_024 : 0,
    output: 100 + ((i * 31) % 4_000),
    reasoning: i % 4 === 0 ? 64 : 0,
  }, { at: `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(day).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:15:00Z` });
});

function run(n: number): bigint {
  let sum = 0n;
  for (let i = 0; i < n; i++) {
    const c = book.rate(calls[i & 4095] as (typeof calls)[number]).cost;
    if (c !== null) sum += c.total;
  }
  return sum;
}

run(200_000); // warm up: resolve every (provider, model) once and let V8 optimise
const n = 3_000_000;
const results: number[] = [];
for (let round = 0; round < 5; round++) {
  const t0 = process.hrtime.bigint();
  run(n);
  results.push(Number(process.hrtime.bigint() - t0) / n);
}
results.sort((a, b) => a - b);
console.log(`rate(): median ${results[2]?.toFixed(0)} ns/call, best ${results[0]?.toFixed(0)} ns/call over ${n} calls x 5 rounds`);
