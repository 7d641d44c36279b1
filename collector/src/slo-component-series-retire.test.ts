/**
 * The series limit under version churn: every deploy is a new `service.version`, so a new
 * series of each SLO. A version that stopped sending must give its place back, or a fleet that
 * deploys often fills `maxSeries` within days and the gate answers HALT `series_overflow` to
 * every deploy until old versions leave the SLO window weeks later.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type GateAnswer, ManualClock } from '@breakwater/protocol';
import { memoryLogger } from './act/testing/tools.ts';
import type { ComponentContext } from './component.ts';
import { CollectorConfigSchema } from './config/schema.ts';
import { createGateComponent } from './gate-component.ts';
import { failed, span } from './sli/testing/spans.ts';
import { createSloComponent, type SloComponent } from './slo-component.ts';

const M = 60_000;
const H = 60 * M;
const SERVICES = ['cart', 'search'];
const CALLS_PER_STEP = 20;
const STEP_MS = 5 * M;
const DEPLOY_MS = 3 * H;
/** Versions per service: 2 × 12 = 24 series, more than twice `maxSeries`. */
const DEPLOYS = 12;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SLO series limit under version churn', () => {
  it('gives the places of versions that stopped back: the newest version is judged on its own data, and totals stay whole across a restart', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 0, 0, 0));
    const dataDir = mkdtempSync(join(tmpdir(), 'bw-slo-retire-'));
    dirs.push(dataDir);
    const config = CollectorConfigSchema.parse({
      technicalSlos: false,
      evaluation: { interval: '5m', maxSeries: 10 },
      gate: { minEvents: 20, alerts: { enabled: false } },
      slos: [{ name: 'availability', objective: 99.5, groupBy: ['operation'] }],
    });
    const ctx: ComponentContext = { config, clock, logger: memoryLogger(), dataDir };
    const start = async () => {
      const slo = await createSloComponent(ctx);
      await slo.start?.();
      return { slo, gate: createGateComponent(ctx, slo.gateSource) };
    };
    let { slo, gate } = await start();
    const sent = new Map(SERVICES.map((s) => [s, 0]));
    const answers: GateAnswer[] = [];
    // The last version of `search` fails 30 % of its calls.
    const bad = (service: string, deploy: number) => service === 'search' && deploy === DEPLOYS - 1;
    try {
      for (let deploy = 0; deploy < DEPLOYS; deploy++) {
        for (let t = 0; t < DEPLOY_MS; t += STEP_MS) {
          await clock.advance(STEP_MS);
          const spans = SERVICES.flatMap((service) =>
            Array.from({ length: CALLS_PER_STEP }, (_, i) => {
              const resource = { service, serviceVersion: `v${deploy}` };
              return bad(service, deploy) && i < 6 ? failed('server_error', resource) : span(resource);
            }),
          );
          await slo.spanSink!(spans, clock.now());
          for (const s of SERVICES) sent.set(s, sent.get(s)! + CALLS_PER_STEP);
          // Thirty minutes into each deploy the pipeline asks the gate.
          if (t === 30 * M)
            for (const service of SERVICES)
              answers.push(await gate.decide({ service, version: `v${deploy}`, baseline: [], slos: [] }));
        }
        // A restart right after a retirement (the compaction tick every 10 minutes retires).
        if (deploy === DEPLOYS / 2) {
          await slo.stop?.();
          ({ slo, gate } = await start());
        }
      }
      const overflowHalts = answers.filter((a) => a.reasons.some((r) => r.code === 'series_overflow'));
      assert.deepEqual(
        overflowHalts.map((a) => `${a.service} ${a.version}`),
        [],
        'no deploy is held up by versions that stopped long ago',
      );
      const last = (service: string) => answers.findLast((a) => a.service === service)!;
      assert.equal(last('cart').decision, 'PROCEED', JSON.stringify(last('cart').reasons));
      assert.equal(last('cart').slos[0]?.judged, true);
      assert.equal(last('search').decision, 'ROLLBACK', JSON.stringify(last('search').reasons));

      const totals = await summedTotals(slo);
      assert.deepEqual(totals, sent, 'every event sent is counted once');
      const metrics: string[] = [];
      slo.writeMetrics!(metrics);
      const series = Number(
        metrics.find((l) => l.startsWith('breakwater_slo_series{'))?.split(' ')[1] ?? Number.NaN,
      );
      assert.ok(series <= 10, `${series} series kept`);
      const overflow = metrics.find((l) => l.startsWith('breakwater_slo_overflow_events_total{'));
      assert.equal(overflow?.split(' ')[1], '0');

      // After a restart too: the retired counts are where they were folded.
      await slo.stop?.();
      ({ slo, gate } = await start());
      assert.deepEqual(await summedTotals(slo), sent);
    } finally {
      await slo.stop?.();
    }
  });
});

/** Events over the SLO window per service, from the groups summed over versions. */
async function summedTotals(slo: SloComponent): Promise<Map<string, number>> {
  const [status] = await slo.current();
  const out = new Map<string, number>();
  for (const g of status!.groups) {
    if (g.version !== undefined) continue;
    out.set(g.service, (out.get(g.service) ?? 0) + g.windows[g.windows.length - 1]!.total);
  }
  return out;
}
