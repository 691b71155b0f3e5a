import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../exporter/src/log/logger.js';
import { Spool } from '../../exporter/src/spool/spool.js';
import { tempDir } from '../helpers/temp-dir.js';
import { metricValue, startTestService } from '../helpers/test-service.js';

const dir = tempDir('agentic-pnl-undecodable-');
afterAll(() => dir.remove());

describe('a spooled record that passes its checksum but cannot be decoded', () => {
  it('does not stop the service from starting: its rows are counted as lost and the rest goes on', async () => {
    // Format byte 7: no version of this service wrote it (a newer one might).
    const { spool } = Spool.open(join(dir.path, 'spool'), { maxBytes: 1 << 20, fsync: false, logger: createLogger('silent') });
    spool.append(Buffer.from([7, 1, 2, 3, 4, 5]), 12);
    spool.seal();
    spool.close();
    const svc = await startTestService({}, dir.path);
    try {
      await svc.service.core.writer.flush();
      const metrics = await (await fetch(`${svc.url}/metrics`)).text();
      expect(metricValue(metrics, 'pnl_spool_lost_rows_total')).toBe(12);
      expect(svc.service.core.spool.segments).toBe(0);
    } finally {
      await svc.stop();
    }
  });
});
