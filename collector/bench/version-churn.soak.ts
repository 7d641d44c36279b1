/**
 * The collector over weeks of continuous deploys, on a manual clock (no sleeping): `SOAK_SERVICES`
 * services (default 20) each deploy a new `service.version` every `SOAK_DEPLOY_HOURS` (default 3),
 * with a new `service.instance.id` per deploy, steady traffic every 5 minutes and a breaker-state
 * point per instance; the gate is asked about each new version 30 minutes after its deploy, and
 * every 17th version of every 5th service fails 30 % of its calls (ROLLBACK and HALT incidents).
 * The SLO engine, fleet breaker, breaker-state table, gate and status page run as built in, over
 * the SQLite store, with one SLO of window `SOAK_WINDOW` (default 2d) grouped by operation.
 *
 * Every 6 simulated hours it prints what must stay bounded by the windows and limits rather than
 * grow with the versions and instances ever seen: heap after GC, the store file (with its WAL),
 * `/metrics` samples (and of them `breakwater_slo_*` with a `version` label, and
 * `breakwater_sdk_breaker_state`), SLO groups, the SLO's series and overflow events
 * (`breakwater_slo_series`, `breakwater_slo_overflow_events_total`), status page rows, firing alerts, the gate
 * incidents file, the time of one evaluation, and the gate's answers since the last line. Past
 * the SLO window every column but the answers should be flat.
 *
 * Run: `npm run soak:version-churn -w @breakwater/collector` (needs `--expose-gc`, which the
 * script passes). `SOAK_DAYS` (default 30) sets the simulated time.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@breakwater/protocol';
import {
  type BreakerStatesComponent,
  createBreakerStatesComponent,
} from '../src/breaker-states/breaker-states-component.ts';
import { parseConfig } from '../src/config/load.ts';
import { createFleetComponent, type FleetComponent } from '../src/fleet-component.ts';
import { createGateComponent, type GateComponent } from '../src/gate-component.ts';
import { CollectorService } from '../src/service.ts';
import { silentLogger } from '../src/silent-logger.ts';
import { failed, span } from '../src/sli/testing/spans.ts';
import { createSloComponent, type SloComponent } from '../src/slo-component.ts';
import { createStatusComponent, type StatusComponent } from '../src/status-component.ts';
import { DEFAULT_STORE_FILE } from '../src/store/open-store.ts';

const DAYS = Number(process.env.SOAK_DAYS ?? 30);
const SERVICES = Number(process.env.SOAK_SERVICES ?? 20);
const DEPLOY_MS = Number(process.env.SOAK_DEPLOY_HOURS ?? 3) * 3_600_000;
const WINDOW = process.env.SOAK_WINDOW ?? '2d';
const STEP_MS = 5 * 60_000;
const REPORT_MS = 6 * 3_600_000;
const CALLS_PER_STEP = 20;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const dir = mkdtempSync(join(tmpdir(), 'bw-churn-'));
const clock = new ManualClock(Date.UTC(2025, 0, 1));
// Alertmanager at a closed port: alerts are tracked (and retried) as they would be while it is down.
const yaml = `
listen: 127.0.0.1:0
dataDir: ${JSON.stringify(dir)}
technicalSlos: false
evaluation: { interval: 5m }
alertmanager: { url: http://127.0.0.1:9 }
slos:
  - { name: availability, objective: 99.5, window: ${WINDOW}, groupBy: [operation] }
`;
const config = parseConfig({ name: 'soak.yaml', text: yaml }, process.env);
let slo: SloComponent | undefined;
let fleet: FleetComponent | undefined;
let states: BreakerStatesComponent | undefined;
let gate: GateComponent | undefined;
let status: StatusComponent | undefined;
// As built in, but with the status page sampling at each step rather than every 10 s.
const service = await CollectorService.start({
  config,
  logger: silentLogger,
  clock,
  components: [
    async (ctx) => (slo = await createSloComponent(ctx)),
    (ctx) => (fleet = createFleetComponent(ctx)),
    (ctx) => (states = createBreakerStatesComponent(ctx)),
    (ctx) => (gate = createGateComponent(ctx, slo!.gateSource)),
    (ctx) =>
      (status = createStatusComponent(
        ctx,
        {
          slos: () => slo!.current(),
          signals: () => fleet!.hub.snapshot(),
          dependencies: () => fleet!.fleet.view(),
          breakerStates: () => states!.table.snapshot(),
          gateDecisions: () => gate!.recentDecisions(),
          gateIncidents: () => gate!.firingIncidents(),
        },
        { sampleIntervalMs: STEP_MS },
      )),
  ],
});
const spanSinks = service.components.flatMap((c) => (c.spanSink ? [c.spanSink] : []));

/** Deploys are staggered by 10 minutes per service. */
const deployOf = (s: number, t: number) => Math.floor((t + s * 600_000) / DEPLOY_MS);
const bad = (s: number, deploy: number) => s % 5 === 0 && deploy % 17 === 5;

function fileKb(path: string): number {
  return existsSync(path) ? statSync(path).size / 1024 : 0;
}

/** The value of the first sample whose line starts with `prefix`. */
function sample(samples: readonly string[], prefix: string): string {
  return samples.find((l) => l.startsWith(prefix))?.split(' ')[1] ?? '-';
}

const answers = new Map<string, number>();
console.log(
  'day heap_mb store_kb metrics versioned_slo sdk_states slo_groups slo_series overflow_events status_rows alerts incidents_kb eval_ms answers',
);
for (let t = STEP_MS; t <= DAYS * 86_400_000; t += STEP_MS) {
  await clock.advance(STEP_MS);
  const spans = [];
  const points = [];
  for (let s = 0; s < SERVICES; s++) {
    const deploy = deployOf(s, t);
    const resource = {
      service: `svc${s}`,
      serviceVersion: `v${deploy}`,
      instanceId: `svc${s}-${deploy}-pod`,
    };
    for (let i = 0; i < CALLS_PER_STEP; i++)
      spans.push(bad(s, deploy) && i < 6 ? failed('server_error', resource) : span(resource));
    points.push({ ...resource, dependency: 'openai/gpt-4o', state: 'closed', timeMs: clock.now() });
  }
  for (const sink of spanSinks) await sink(spans, clock.now());
  states!.breakerStateSink!(points);
  for (let s = 0; s < SERVICES; s++) {
    // The version deployed 30 minutes ago, once.
    const deploy = deployOf(s, t - 30 * 60_000);
    if (deployOf(s, t - 30 * 60_000 - STEP_MS) === deploy) continue;
    const answer = await gate!.decide({ service: `svc${s}`, version: `v${deploy}`, baseline: [], slos: [] });
    // Every code behind the decision: `series_overflow` comes with the data's own reasons.
    const codes = [
      ...new Set(answer.reasons.filter((r) => r.decision === answer.decision).map((r) => r.code)),
    ];
    const key = answer.decision === 'PROCEED' ? 'PROCEED' : `${answer.decision}:${codes.join('+')}`;
    answers.set(key, (answers.get(key) ?? 0) + 1);
  }
  if (t % REPORT_MS !== 0) continue;
  gc();
  const heapMb = process.memoryUsage().heapUsed / 1_048_576;
  const started = performance.now();
  const snapshot = await status!.snapshot();
  const evalMs = performance.now() - started;
  const out: string[] = [];
  for (const c of service.components) c.writeMetrics?.(out);
  const samples = out.filter((l) => !l.startsWith('#'));
  const groups = snapshot.slos.reduce((n, s) => n + s.groups.length, 0);
  const store = join(dir, DEFAULT_STORE_FILE);
  console.log(
    [
      (t / 86_400_000).toFixed(2),
      heapMb.toFixed(1),
      (fileKb(store) + fileKb(`${store}-wal`)).toFixed(0),
      samples.length,
      samples.filter((l) => l.startsWith('breakwater_slo_') && l.includes('version="')).length,
      samples.filter((l) => l.startsWith('breakwater_sdk_breaker_state{')).length,
      groups,
      sample(samples, 'breakwater_slo_series{'),
      sample(samples, 'breakwater_slo_overflow_events_total{'),
      groups + snapshot.dependencies.length + snapshot.breakerStates.length + snapshot.signals.length,
      snapshot.alerts.filter((a) => a.state === 'firing').length,
      fileKb(join(dir, 'gate-incidents.json')).toFixed(1),
      evalMs.toFixed(0),
      JSON.stringify(Object.fromEntries(answers)),
    ].join(' '),
  );
  answers.clear();
}
await service.shutdown();
rmSync(dir, { recursive: true, force: true });
