import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../exporter/src/model/decoded-span.js';
import { compileOptions } from '../../exporter/src/normalize/compile-options.js';
import { defaultNormalizeOptions, normalizeSpan, type NormalizeOptions } from '../../exporter/src/normalize/index.js';
import { lookupAttributes } from '../../exporter/src/normalize/scan-attributes.js';
import { walkAttributes } from '../../exporter/src/normalize/walk-attributes.js';
import { fixture, loadConventionFixtures } from './convention-fixtures.js';

/** Our attribution as the instrumentation's span processor copies it, with custom keys. */
const OURS: Attributes = {
  'pnl.customer.id': 'cust_walk',
  'pnl.attempt': '1',
  'pnl.attempt.reason': 'retry',
  'pnl.custom.cost_center': 'cc-42',
  'pnl.custom.region': 'eu',
  'pnl.custom.flags': ['a', 'b'],
};

function options(change: (o: NormalizeOptions) => void = () => {}): NormalizeOptions {
  const o = defaultNormalizeOptions();
  change(o);
  return o;
}

/** Both ways of reading a span's attributes must agree, including which stored keys survive the limit and their order. */
function expectSameResult(attrs: Attributes, normalizeOptions: NormalizeOptions): void {
  const compiled = compileOptions(normalizeOptions);
  const walked = walkAttributes(attrs, compiled);
  const looked = lookupAttributes(attrs, compiled);
  expect(walked.attribution).toEqual(looked.attribution);
  expect(Object.entries(walked.stored)).toEqual(Object.entries(looked.stored));
}

describe('walking the keys and looking them up agree', () => {
  const withOurs = loadConventionFixtures().map((f) => [f.file, { ...f.span.attributes, ...OURS }] as const);

  it.each(withOurs)('%s with our attribution and custom keys', (_file, attrs) => {
    expectSameResult(attrs, options());
  });

  it.each(withOurs)('%s with a stored-attribute limit of 4', (_file, attrs) => {
    expectSameResult(attrs, options((o) => (o.maxStoredAttributes = 4)));
  });

  it('agrees when an alias beats an unusable value of our own key', () => {
    expectSameResult({ 'pnl.customer.id': '', 'pnl.feature.id': 'f', 'ai.telemetry.metadata.customerId': 'c_ai', 'pnl.attempt': -2 }, options());
  });

  it('agrees with extra configured aliases and prefixes that overlap the allowlist', () => {
    const o = options((x) => {
      x.aliases['pnl.customer.id'] = ['tenant.id', ...(x.aliases['pnl.customer.id'] ?? [])];
      x.storedAttributePrefixes = ['pnl.custom.', 'server.'];
    });
    expectSameResult({ 'tenant.id': 't1', 'pnl.feature.id': 'f', 'server.address': 'h', 'server.port': 443, 'pnl.custom.x': 'y' }, o);
  });

  it('falls back to lookups when one key is configured for two fields', () => {
    const o = options((x) => {
      x.aliases['pnl.customer.id'] = ['tenant.id'];
      x.aliases['pnl.organization.id'] = ['tenant.id'];
    });
    expect(compileOptions(o).canWalk).toBe(false);
    const span = fixture('otel-instrumentation-openai-chat.json').span;
    const result = normalizeSpan({ ...span, attributes: { ...span.attributes, 'pnl.customer.id': undefined as never, 'tenant.id': 't1' } }, o);
    expect(result.kind === 'llm' && [result.call.customerId, result.call.organizationId]).toEqual(['t1', 't1']);
  });
});
