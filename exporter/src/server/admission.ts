import { MAX_RETRY_AFTER_S } from '../receive/retry-after.js';

/** Why a request was not admitted, and how the sender should back off. */
export interface Refusal {
  status: 429 | 503;
  reason: 'too_many_requests' | 'memory';
  retryAfterSeconds: number;
  message: string;
}

/**
 * Overload protection for `/v1/traces`: at most `maxConcurrent` requests are read and
 * ingested at once, and none is admitted while the process is over its memory ceiling. A
 * refused sender gets 429 or 503 with Retry-After (both retryable in OTLP), before its body is
 * read, so the event loop stays free for `/metrics` and `/healthz` under overload.
 */
export class Admission {
  private inFlight = 0;

  constructor(
    private readonly limits: { maxConcurrent: number; maxRssBytes: number },
    private readonly rss: () => number = recentRss,
  ) {}

  get active(): number {
    return this.inFlight;
  }

  /** Admits a request (call `leave()` when it is answered) or says why not. */
  enter(): Refusal | undefined {
    if (this.inFlight >= this.limits.maxConcurrent) {
      return {
        status: 429,
        reason: 'too_many_requests',
        retryAfterSeconds: 1,
        message: `${this.inFlight} export requests are already in progress (PNL_MAX_CONCURRENT_REQUESTS=${this.limits.maxConcurrent})`,
      };
    }
    if (this.limits.maxRssBytes > 0) {
      const rss = this.rss();
      if (rss > this.limits.maxRssBytes) {
        return {
          status: 503,
          reason: 'memory',
          retryAfterSeconds: MAX_RETRY_AFTER_S,
          message: `the exporter uses ${Math.round(rss / 2 ** 20)} MiB, over its ceiling of ${Math.round(this.limits.maxRssBytes / 2 ** 20)} MiB (PNL_MAX_RSS_BYTES)`,
        };
      }
    }
    this.inFlight++;
    return undefined;
  }

  leave(): void {
    this.inFlight--;
  }
}

const RSS_MAX_AGE_MS = 100;
let rssAt = -Infinity;
let rssBytes = 0;

/**
 * The process's resident memory, read at most every 100 ms: a read parses /proc (measured
 * 10 µs in a small process), and under load it was asked for on every request.
 */
function recentRss(): number {
  const now = performance.now();
  if (now - rssAt >= RSS_MAX_AGE_MS) {
    rssBytes = process.memoryUsage.rss();
    rssAt = now;
  }
  return rssBytes;
}
