import { describe, expect, it } from 'vitest';
import { aggregateDaily, DailySums, writeDailyAggregate, type DailyAggregate } from '../../exporter/src/store/daily-aggregates.js';
import { RowBinaryWriter } from '../../exporter/src/store/row-binary-writer.js';
import { cost, llmCall, priced } from '../helpers/records.js';

const encode = (rows: DailyAggregate[]): Buffer => {
  const w = new RowBinaryWriter(256);
  for (const a of rows) writeDailyAggregate(w, a);
  return Buffer.from(w.bytes());
};

describe('DailySums', () => {
  it('merges requests sums, as RowBinary, into what summing all their calls gives', () => {
    const requests = [
      [
        priced(llmCall({ customerId: 'ab', featureId: 'c' }), cost({ input: 5n, output: 7n })),
        priced(llmCall({ customerId: 'a', featureId: 'bc', customerTier: '' }), null),
      ],
      [
        // A cost beyond 2^53 pico-dollars takes the exact BigInt path.
        priced(llmCall({ customerId: 'ab', featureId: 'c', customerTier: 'enterprise' }), cost({ input: 2n ** 60n, output: 1n })),
        priced(llmCall({ customerId: 'a', featureId: 'bc', customerTier: '' }), cost({ input: 3n, output: 0n })),
        priced(llmCall({ customerId: 'ab', featureId: 'c', customerTier: '' }), cost({ input: 1n, output: 1n })),
      ],
    ];
    const batch = new DailySums();
    for (const calls of requests) {
      const sums = aggregateDaily(calls);
      batch.merge(encode(sums), sums.length);
    }
    const expected = aggregateDaily(requests.flat());
    // ('ab', 'c') and ('a', 'bc') are different keys although their bytes concatenate alike.
    expect(expected).toHaveLength(2);
    expect(batch.rows()).toEqual(expected);
    // write() gives exactly the RowBinary of the sums summed at once.
    const w = new RowBinaryWriter(256);
    batch.write(w);
    expect(Buffer.from(w.bytes())).toEqual(encode(expected));
    expect(expected[0]).toMatchObject({ calls: 3, cost: 12n + 2n ** 60n + 1n + 2n, customerTier: 'enterprise' });
    expect(expected[1]).toMatchObject({ calls: 2, unpricedCalls: 1, cost: 3n, customerTier: '' });
  });

  it('keeps costs exact past 2^53 pico-dollars, whether the sum or a single row crosses it', () => {
    const near = 2n ** 53n - 5n;
    const requests = [
      [priced(llmCall({ customerId: 'a' }), cost({ input: near, output: 0n }))],
      // The sum crosses 2^53 here: from now on the slot sums as a BigInt.
      [priced(llmCall({ customerId: 'a' }), cost({ input: 7n, output: 0n }))],
      [priced(llmCall({ customerId: 'a' }), cost({ input: 1n, output: 0n }))],
      // A single row beyond 2^53, on a slot that was summing as a number.
      [priced(llmCall({ customerId: 'b' }), cost({ input: 3n, output: 0n }))],
      [priced(llmCall({ customerId: 'b' }), cost({ input: 2n ** 80n, output: 0n }))],
      [priced(llmCall({ customerId: 'b' }), cost({ input: 4n, output: 0n }))],
    ];
    const batch = new DailySums();
    for (const calls of requests) {
      const sums = aggregateDaily(calls);
      batch.merge(encode(sums), sums.length);
    }
    expect(batch.rows().map((r) => [r.customerId, r.cost, r.calls])).toEqual([
      ['a', near + 8n, 3],
      ['b', 2n ** 80n + 7n, 3],
    ]);
  });

  it('keeps the latest tier a request named: a request without one does not blank it', () => {
    const batch = new DailySums();
    for (const tier of ['free', 'pro', '']) {
      const sums = aggregateDaily([priced(llmCall({ customerId: 'a', customerTier: tier }), cost({ input: 1n, output: 0n }))]);
      batch.merge(encode(sums), sums.length);
    }
    expect(batch.rows().map((r) => [r.customerTier, r.calls])).toEqual([['pro', 3]]);
  });
});
