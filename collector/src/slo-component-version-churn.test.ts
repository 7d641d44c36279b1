/**
 * The SLO engine under version churn: every deploy brings a new `service.version`, and an old
 * version must leave `/metrics`, `/v1/slos` and the status page once it has left its SLO's
 * windows, whatever other SLOs' windows are.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { memoryLogger } from './act/testing/tools.ts';
import { CollectorConfigSchema } from './config/schema.ts';
import { span, times } from './sli/testing/spans.ts';
import { createSloComponent } from './slo-component.ts';

const M = 60_000;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SLO engine under version churn', () => {
  it("drops a version from an SLO's groups and /metrics once it left that SLO's window, while a longer SLO still holds it", async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));
    const dataDir = mkdtempSync(join(tmpdir(), 'bw-slo-churn-'));
    dirs.push(dataDir);
    const config = CollectorConfigSchema.parse({
      technicalSlos: false,
      evaluation: { interval: '1m' },
      slos: [
        { name: 'fast', objective: 99, window: '1h', selector: { operation: '*' } },
        { name: 'month', objective: 99, window: '30d', selector: { operation: '*' } },
      ],
    });
    const c = await createSloComponent({ config, clock, logger: memoryLogger(), dataDir });
    await c.start?.();
    try {
      await c.spanSink!(
        times(10, () => span({ serviceVersion: 'v1' })),
        clock.now(),
      );
      // Three hours of the next version: v1 left the 1h window (and its retention) long ago.
      for (let minute = 0; minute < 180; minute += 10) {
        await clock.advance(10 * M);
        await c.spanSink!(
          times(10, () => span({ serviceVersion: 'v2' })),
          clock.now(),
        );
      }
      const statuses = await c.current();
      const versions = (slo: string) =>
        statuses
          .find((s) => s.name === slo)!
          .groups.flatMap((g) => (g.version === undefined ? [] : [g.version]));
      assert.deepEqual(versions('fast'), ['v2']);
      assert.deepEqual(versions('month'), ['v1', 'v2'], 'the 30d SLO still holds v1');
      const out: string[] = [];
      c.writeMetrics!(out);
      const stale = out.filter((l) => l.includes('slo="fast"') && l.includes('version="v1"'));
      assert.deepEqual(stale, []);
    } finally {
      await c.stop?.();
    }
  });
});
