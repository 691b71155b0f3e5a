import { describe, expect, it } from 'vitest';
import type { TrendDirection, TrendThresholds } from '../../exporter/src/pnl/math/index.js';
import { trendDirection } from '../../exporter/src/pnl/math/index.js';

const p = (failureRate: number, riskScore: number) => ({ failureRate, riskScore });

describe('trendDirection', () => {
  it.each<[string, Array<ReturnType<typeof p>>, Partial<TrendThresholds>, TrendDirection]>([
    ['no periods', [], {}, 'STABLE'],
    ['one period', [p(0.5, 90)], {}, 'STABLE'],
    // Δfailure −0.05 < −0.01 and Δscore −10 < −1
    ['both fell', [p(0.1, 30), p(0.05, 20)], {}, 'IMPROVING'],
    // Δfailure +0.05 > 0.01 and Δscore +10 > 1
    ['both rose', [p(0.05, 20), p(0.1, 30)], {}, 'WORSENING'],
    // 0.26 − 0.25 = 0.010000000000000009 in doubles: exactly 1 point after dust removal, not more, so the
    // clear +5 score change alone does not make it WORSENING
    ['failure rose by exactly the threshold', [p(0.25, 40), p(0.26, 45)], {}, 'STABLE'],
    ['failure fell by exactly the threshold', [p(0.26, 45), p(0.25, 40)], {}, 'STABLE'],
    // score exactly +1 / −1 with a clear failure change
    ['score rose by exactly the threshold', [p(0.1, 40), p(0.2, 41)], {}, 'STABLE'],
    ['score fell by exactly the threshold', [p(0.2, 41), p(0.1, 40)], {}, 'STABLE'],
    // Δfailure +0.02, Δscore +2
    ['both rose past the threshold', [p(0.25, 40), p(0.27, 42)], {}, 'WORSENING'],
    // failure +0.1 but score −5: signals disagree
    ['signals disagree', [p(0.1, 30), p(0.2, 25)], {}, 'STABLE'],
    // score +0.5 only: failure rose, score did not move enough
    ['one signal too small', [p(0.1, 30), p(0.2, 30.5)], {}, 'STABLE'],
    // only the last two periods count: 0.1 → 0.1
    ['older periods are ignored', [p(0.5, 90), p(0.1, 10), p(0.1, 10)], {}, 'STABLE'],
    // Δscore +4 is > 1 but not > 5
    ['a wider score threshold', [p(0.1, 30), p(0.2, 34)], { riskScoreDelta: 5 }, 'STABLE'],
    ['the same change with default thresholds', [p(0.1, 30), p(0.2, 34)], {}, 'WORSENING'],
    // Δfailure +0.02 is not > 0.05
    ['a wider failure threshold', [p(0.1, 30), p(0.12, 40)], { failureRateDelta: 0.05 }, 'STABLE'],
  ])('%s', (_name, periods, thresholds, expected) => {
    expect(trendDirection(periods, thresholds)).toBe(expected);
  });
});
