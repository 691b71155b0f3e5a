import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AttributionError,
  attribution,
  hashPersonalValue,
  setHashSalt,
} from '../../instrumentation/src/index.js';

const SALT = 'test-salt-0123456789abcdef';

afterEach(() => {
  setHashSalt(undefined);
  delete process.env['AGENTIC_PNL_HASH_SALT'];
});

describe('attribution builder', () => {
  it('maps every seed metadata field to its pnl.* key', () => {
    setHashSalt(SALT);
    const built = attribution()
      .customer('cust_0001')
      .organization('org_001')
      .product('product_a')
      .feature('chat')
      .tier('pro')
      .environment('production')
      .taskType('qa')
      .session('sess_12345')
      .request('req_11111')
      .custom('cost_center', 'CC-1234')
      .custom('seats', 25)
      .build();
    expect(built).toEqual({
      'pnl.customer.id': 'cust_0001',
      'pnl.organization.id': 'org_001',
      'pnl.product.id': 'product_a',
      'pnl.feature.id': 'chat',
      'pnl.customer.tier': 'pro',
      'pnl.environment': 'production',
      'pnl.task.type': 'qa',
      'pnl.session.id': 'sess_12345',
      'pnl.request.id': 'req_11111',
      'pnl.custom.cost_center': 'CC-1234',
      'pnl.custom.seats': '25',
    });
    expect(Object.isFrozen(built)).toBe(true);
  });

  it('trims values and lets a later call override an earlier one', () => {
    expect(attribution().customer('  a ').customer('b').feature(' chat\t').build()).toEqual({
      'pnl.customer.id': 'b',
      'pnl.feature.id': 'chat',
    });
  });

  it('extends an existing attribution without changing it', () => {
    const base = attribution().customer('cust_1').build();
    const extended = attribution(base).feature('search').build();
    expect(base).toEqual({ 'pnl.customer.id': 'cust_1' });
    expect(extended).toEqual({ 'pnl.customer.id': 'cust_1', 'pnl.feature.id': 'search' });
  });

  it.each([
    ['an empty value', () => attribution().customer('  '), 'invalid_value', 'pnl.customer.id'],
    ['a value over 256 characters', () => attribution().feature('x'.repeat(257)), 'invalid_value', 'pnl.feature.id'],
    ['a newline in a value', () => attribution().session('a\nb'), 'invalid_value', 'pnl.session.id'],
    ['a non-string value', () => attribution().customer(42 as unknown as string), 'invalid_value', 'pnl.customer.id'],
    ['the reserved customer id __all__', () => attribution().customer(' __all__ '), 'invalid_value', 'pnl.customer.id'],
    ['the reserved customer id __other__', () => attribution().customer('__other__'), 'invalid_value', 'pnl.customer.id'],
    ['an upper-case custom key', () => attribution().custom('CostCenter', 'x'), 'invalid_key', 'CostCenter'],
    ['a custom key with spaces', () => attribution().custom('cost center', 'x'), 'invalid_key', 'cost center'],
    ['a run key in a base object', () => attribution({ 'pnl.run.id': 'r1' }), 'invalid_key', 'pnl.run.id'],
    ['an unknown key in a base object', () => attribution({ customer_id: 'c' }), 'invalid_key', 'customer_id'],
  ])('rejects %s with a typed error naming the key', (_label, build, code, key) => {
    let caught: unknown;
    try {
      build();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AttributionError);
    expect((caught as AttributionError).code).toBe(code);
    expect((caught as AttributionError).key).toBe(key);
  });

  it('says what to do in the error message', () => {
    expect(() => attribution().custom('Bad Key', 'x')).toThrow(/lower-case letters, digits, "_" and "\." starting with a letter, e\.g\. "cost_center"/);
  });
});

describe('personal values', () => {
  it('stores the user as an HMAC-SHA-256 of the salt, never raw', () => {
    setHashSalt(SALT);
    const built = attribution().user('Ann.Smith@Example.com').personal('client_ip', '203.0.113.7').build();
    const expectedUser = createHmac('sha256', SALT).update('ann.smith@example.com').digest('hex');
    const expectedIp = createHmac('sha256', SALT).update('203.0.113.7').digest('hex');
    expect(built).toEqual({ 'pnl.user.id': expectedUser, 'pnl.custom.client_ip': expectedIp });
    expect(JSON.stringify(built)).not.toContain('Smith');
    expect(JSON.stringify(built)).not.toContain('203.0.113.7');
  });

  it('hashes e-mails case-insensitively but keeps other ids case-sensitive', () => {
    expect(hashPersonalValue('ANN@x.com', SALT)).toBe(hashPersonalValue(' ann@x.com ', SALT));
    expect(hashPersonalValue('User42', SALT)).not.toBe(hashPersonalValue('user42', SALT));
  });

  it('gives different hashes under different salts', () => {
    expect(hashPersonalValue('u1', SALT)).not.toBe(hashPersonalValue('u1', `${SALT}-other`));
  });

  it('reads the salt from AGENTIC_PNL_HASH_SALT when none was set in code', () => {
    process.env['AGENTIC_PNL_HASH_SALT'] = SALT;
    expect(attribution().user('u1').build()['pnl.user.id']).toBe(createHmac('sha256', SALT).update('u1').digest('hex'));
  });

  it('refuses to hash without a salt and says how to set one', () => {
    expect(() => attribution().user('u1')).toThrow(AttributionError);
    expect(() => attribution().user('u1')).toThrow(/pass hashSalt to startAgenticPnl\(\), call setHashSalt\(\), or set AGENTIC_PNL_HASH_SALT/);
  });

  it('refuses a salt shorter than 16 characters', () => {
    expect(() => setHashSalt('short')).toThrow(/shorter than 16 characters/);
  });
});
