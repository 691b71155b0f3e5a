import { describe, expect, it } from 'vitest';
import { aggregateDaily, mergeDailyRows, writeDailyAggregate, type DailyAggregate } from '../../exporter/src/store/daily-aggregates.js';
import { RowBinaryWriter } from '../../exporter/src/store/row-binary-writer.js';
import { cost, llmCall, priced } from '../helpers/records.js';

const encode = (rows: DailyAggregate[]): Buffer => {
  const w = new RowBinaryWriter(256);
  for (const a of rows) writeDailyAggregate(w, a);
  return Buffer.from(w.bytes());
};

describe('mergeDailyRows', () => {
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
    const batch = new Map<string, DailyAggregate>();
    for (const calls of requests) {
      const sums = aggregateDaily(calls);
      mergeDailyRows(batch, encode(sums), sums.length);
    }
    const expected = aggregateDaily(requests.flat());
    // ('ab', 'c') and ('a', 'bc') are different keys although their bytes concatenate alike.
    expect(expected).toHaveLength(2);
    expect([...batch.values()]).toEqual(expected);
    expect(expected[0]).toMatchObject({ calls: 3, cost: 12n + 2n ** 60n + 1n + 2n, customerTier: 'enterprise' });
    expect(expected[1]).toMatchObject({ calls: 2, unpricedCalls: 1, cost: 3n, customerTier: '' });
  });
});
