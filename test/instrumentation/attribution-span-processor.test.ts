import { baggageEntryMetadataFromString, context, propagation, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AttributionError,
  attribution,
  attributionContext,
  currentAttribution,
  withAttribution,
} from '../../instrumentation/src/index.js';
import { pnlAttributes, startTestTracing, type TestTracing } from './support/test-tracing.js';

let tracing: TestTracing;
beforeEach(() => {
  tracing = startTestTracing();
});
afterEach(async () => {
  await tracing.shutdown();
});

const tracer = () => trace.getTracer('test-library');

describe('attribution span processor', () => {
  it('puts the attribution on every span started under it, at any depth', async () => {
    await withAttribution(attribution().customer('cust_acme').tier('pro').feature('chat'), async () => {
      await tracer().startActiveSpan('outer', async (outer) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        tracer().startSpan('inner').end();
        outer.end();
      });
    });
    tracer().startSpan('outside').end();

    const expected = { 'pnl.customer.id': 'cust_acme', 'pnl.customer.tier': 'pro', 'pnl.feature.id': 'chat' };
    expect(pnlAttributes(tracing.span('outer'))).toEqual(expected);
    expect(pnlAttributes(tracing.span('inner'))).toEqual(expected);
    expect(pnlAttributes(tracing.span('outside'))).toEqual({});
  });

  it('lets an inner scope refine the outer attribution', () => {
    withAttribution(attribution().customer('cust_1').feature('chat'), () => {
      withAttribution(attribution().feature('summarize').taskType('summary'), () => {
        tracer().startSpan('refined').end();
      });
    });
    expect(pnlAttributes(tracing.span('refined'))).toEqual({
      'pnl.customer.id': 'cust_1',
      'pnl.feature.id': 'summarize',
      'pnl.task.type': 'summary',
    });
  });

  it('keeps concurrent requests apart', async () => {
    const handle = async (customer: string, delays: number[]) =>
      withAttribution(attribution().customer(customer), async () => {
        for (const [i, delay] of delays.entries()) {
          await new Promise((resolve) => setTimeout(resolve, delay));
          tracer().startSpan(`${customer}-${i}`).end();
        }
      });
    await Promise.all([handle('cust_a', [5, 1, 3]), handle('cust_b', [1, 4, 1]), handle('cust_c', [3, 3, 0])]);

    expect(tracing.spans()).toHaveLength(9);
    for (const span of tracing.spans()) {
      expect(span.attributes['pnl.customer.id']).toBe(span.name.split('-')[0]);
    }
  });

  it('does not overwrite an attribute the span was started with', () => {
    withAttribution(attribution().customer('from_baggage'), () => {
      tracer().startSpan('explicit', { attributes: { 'pnl.customer.id': 'explicit' } }).end();
    });
    expect(tracing.span('explicit').attributes['pnl.customer.id']).toBe('explicit');
  });

  it('copies only pnl keys, never other baggage', () => {
    const bag = propagation.createBaggage({
      'pnl.customer.id': { value: 'cust_1' },
      'pnl.custom.region': { value: 'eu' },
      'pnl.custom.Not Valid': { value: 'x' },
      'pnl.invented.key': { value: 'x' },
      'session.secret': { value: 'do-not-copy' },
    });
    context.with(propagation.setBaggage(context.active(), bag), () => tracer().startSpan('filtered').end());
    expect(tracing.span('filtered').attributes).toEqual({ 'pnl.customer.id': 'cust_1', 'pnl.custom.region': 'eu' });
  });

  it('turns the attempt number into an integer and drops one that is not', () => {
    const at = (value: string) =>
      propagation.setBaggage(context.active(), propagation.createBaggage({ 'pnl.attempt': { value } }));
    context.with(at('2'), () => tracer().startSpan('two').end());
    context.with(at('-1'), () => tracer().startSpan('negative').end());
    context.with(at('1.5'), () => tracer().startSpan('fraction').end());
    expect(tracing.span('two').attributes['pnl.attempt']).toBe(2);
    expect(tracing.span('negative').attributes['pnl.attempt']).toBeUndefined();
    expect(tracing.span('fraction').attributes['pnl.attempt']).toBeUndefined();
  });

  it('reads the attribution back from the context', () => {
    withAttribution(attribution().customer('cust_9').custom('plan', 'annual'), () => {
      expect(currentAttribution()).toEqual({ 'pnl.customer.id': 'cust_9', 'pnl.custom.plan': 'annual' });
    });
    expect(currentAttribution()).toEqual({});
  });

  it('returns what the function returns', async () => {
    expect(withAttribution(attribution().customer('c'), () => 42)).toBe(42);
    await expect(withAttribution(attribution().customer('c'), async () => 'x')).resolves.toBe('x');
  });

  it('validates plain attribution objects too', () => {
    expect(() => withAttribution({ 'pnl.customer.id': '' }, () => undefined)).toThrow(AttributionError);
    expect(() => withAttribution({ customer: 'c' }, () => undefined)).toThrow(/"customer" is not an attribution key/);
  });

  it('refuses baggage that propagators would truncate, counting what is already there', () => {
    let builder = attribution().customer('c');
    for (let i = 0; i < 40; i++) builder = builder.custom(`k${i}`, 'v'.repeat(200));
    let caught: unknown;
    try {
      attributionContext(builder);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AttributionError);
    expect((caught as AttributionError).code).toBe('baggage_too_large');
    expect((caught as Error).message).toMatch(/over the 8192-byte header limit/);
  });

  /** A context whose baggage holds what a client sent: `n` entries of `bytes` bytes, plus `pnl` keys. */
  const upstream = (n: number, bytes: number, pnl: Record<string, string> = {}, metadata?: string) => {
    let b = propagation.createBaggage();
    for (let i = 0; i < n; i++) b = b.setEntry(`k${i}`, { value: 'x'.repeat(bytes), ...(metadata === undefined ? {} : { metadata: baggageEntryMetadataFromString(metadata) }) });
    for (const [k, v] of Object.entries(pnl)) b = b.setEntry(k, { value: v });
    return propagation.setBaggage(context.active(), b);
  };

  it('makes room in a client\'s oversized baggage instead of failing the request: upstream entries go, other keys first', () => {
    // 8 x 1000 bytes of foreign keys plus an upstream feature: within 8192 alone, over it with ours.
    const ctx = upstream(8, 1000, { 'pnl.feature.id': 'from_client' });
    const fitted = attributionContext(attribution().customer('authenticated_cust').feature('chat').custom('plan', 'p'.repeat(200)), ctx);
    const kept = propagation.getBaggage(fitted)!;
    expect(kept.getEntry('pnl.customer.id')?.value).toBe('authenticated_cust');
    expect(kept.getEntry('pnl.feature.id')?.value).toBe('chat');
    expect(kept.getAllEntries().filter(([k]) => k.startsWith('k')).length).toBeLessThan(8);
    // What goes on the wire fits the limit the propagator enforces.
    const carrier: Record<string, string> = {};
    propagation.inject(fitted, carrier);
    expect(carrier['baggage']!.length).toBeLessThanOrEqual(8192);
    expect(carrier['baggage']).toContain('pnl.customer.id=authenticated_cust');
  });

  it('drops an upstream pnl key only once the foreign keys are gone', () => {
    // A client's own oversized pnl values (nothing validated them upstream): 103 + 4021 + 4013 bytes.
    const ctx = upstream(1, 100, { 'pnl.organization.id': 'o'.repeat(4000), 'pnl.user.id': 'u'.repeat(4000) });
    const fitted = propagation.getBaggage(attributionContext(attribution().customer('c').custom('note', 'n'.repeat(256)), ctx))!;
    expect(fitted.getEntry('k0')).toBeUndefined();
    expect(fitted.getEntry('pnl.organization.id')).toBeUndefined();
    expect(fitted.getEntry('pnl.user.id')?.value).toBe('u'.repeat(4000));
    expect(fitted.getEntry('pnl.custom.note')?.value).toBe('n'.repeat(256));
  });

  it('counts entry properties as the propagator writes them', () => {
    // 2 x 4000-byte values fit without properties (8009 bytes); with ";p=<100 bytes>" each they do not.
    const ctx = upstream(2, 4000, {}, `p=${'q'.repeat(98)}`);
    const fitted = propagation.getBaggage(attributionContext(attribution().customer('cust'), ctx))!;
    expect(fitted.getAllEntries().length).toBeLessThan(3);
    expect(fitted.getEntry('pnl.customer.id')?.value).toBe('cust');
  });

  it('lets an edge drop a client\'s baggage as the README shows, so spoofed attempt markers never reach a span', () => {
    const client = propagation.setBaggage(
      context.active(),
      propagation.createBaggage({ 'pnl.attempt': { value: '2' }, 'pnl.attempt.reason': { value: 'fallback' }, 'pnl.custom.plan': { value: 'free' } }),
    );
    context.with(client, () => {
      // Without it, the client's markers land on the span.
      withAttribution(attribution().customer('authenticated_cust'), () => tracer().startSpan('trusting').end());
      context.with(propagation.deleteBaggage(context.active()), () =>
        withAttribution(attribution().customer('authenticated_cust'), () => tracer().startSpan('edge').end()),
      );
    });
    expect(pnlAttributes(tracing.span('trusting'))).toMatchObject({ 'pnl.attempt': 2, 'pnl.attempt.reason': 'fallback' });
    expect(pnlAttributes(tracing.span('edge'))).toEqual({ 'pnl.customer.id': 'authenticated_cust' });
  });

  it('copies no upstream value that the builder would have refused: control characters, over 256 characters, unknown reasons', () => {
    const client = propagation.setBaggage(
      context.active(),
      propagation.createBaggage({
        'pnl.organization.id': { value: 'evil\norg\r\ninjected' },
        'pnl.feature.id': { value: 'f'.repeat(3000) },
        'pnl.attempt.reason': { value: 'bogus' },
        'pnl.product.id': { value: 'crm' },
      }),
    );
    context.with(client, () => {
      tracer().startSpan('upstream').end();
      // The documented builder pattern does not throw on what the client sent.
      expect(() => attribution(currentAttribution()).feature('chat').build()).not.toThrow();
      expect(currentAttribution()).toEqual({ 'pnl.product.id': 'crm' });
    });
    expect(pnlAttributes(tracing.span('upstream'))).toEqual({ 'pnl.product.id': 'crm' });
  });

  it('refuses half of a surrogate pair with an AttributionError, not a URIError later', () => {
    expect(() => withAttribution(attribution().customer('cust\uD800'), () => undefined)).toThrow(AttributionError);
    expect(() => withAttribution(attribution().customer('cust\uDC00x'), () => undefined)).toThrow(/surrogate/);
    expect(withAttribution(attribution().customer('cust_\u{1F600}'), () => currentAttribution()['pnl.customer.id'])).toBe('cust_\u{1F600}');
  });
});

describe('attribution span processor defaults', () => {
  it('fills keys the context lacks and leaves the rest', async () => {
    await tracing.shutdown();
    tracing = startTestTracing({ defaults: { 'pnl.environment': 'staging', 'pnl.product.id': 'default_product' } });
    tracer().startSpan('bare').end();
    withAttribution(attribution().customer('c1').product('crm'), () => tracer().startSpan('attributed').end());
    expect(pnlAttributes(tracing.span('bare'))).toEqual({ 'pnl.environment': 'staging', 'pnl.product.id': 'default_product' });
    expect(pnlAttributes(tracing.span('attributed'))).toEqual({
      'pnl.customer.id': 'c1',
      'pnl.product.id': 'crm',
      'pnl.environment': 'staging',
    });
  });
});
