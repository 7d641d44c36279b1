/**
 * Status page at fleet scale, before and after, in one run
 * (`node --conditions=@breakwater/source collector/bench/status-page.bench.ts`).
 *
 * Two collectors serve the same synthetic fleet (`src/act/status-page/testing/synthetic-fleet.ts`,
 * BENCH_ROWS SLO rows, default 2000, with 30 minutes of budget history): one with this tree's
 * status component, one with that of BENCH_BASE (a git ref, default 569ae41: the page before it
 * bounded its tables; its `collector/src` is extracted under `.breakwater/`, which git ignores). Headless
 * Chromium (`/usr/bin/chromium`) loads each page, then in BENCH_ROUNDS interleaved rounds (base,
 * current, base, ...) one row starts burning and the page applies that update. Then
 * BENCH_VIEWERS streams (curl) watch each collector in turn while every count changes each second,
 * and one more counts the bytes it is sent.
 *
 * Figures are medians over rounds: `load_ms` (navigation to the first SLO row), `update_ms`
 * (browser main-thread time to apply one update), `nodes` and `heap_mb` after the update and a full garbage collection, `frame_kb`
 * (the full `status` event a viewer gets on connect), `change_kb` (bytes on the wire per change
 * after it: a whole snapshot each time before deltas, a `status-delta` event since) and
 * `cpu_ms_per_s` (collector CPU per second with the viewers).
 * The last line: `rows=<n> load_ratio=<r> update_ratio=<r> nodes_ratio=<r> heap_ratio=<r>
 * frame_ratio=<r> change_ratio=<r> cpu_ratio=<r>`, each current / base (below 1 is better).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type Clock, systemClock } from '@breakwater/protocol';
import { chromium, type Page } from 'playwright-core';
import { STATUS_DELTAS_PARAM } from '../src/act/status-page/status-stream.ts';
import { syntheticFleet } from '../src/act/status-page/testing/synthetic-fleet.ts';
import type { ComponentContext } from '../src/component.ts';
import { createStatusComponent, type StatusComponent } from '../src/status-component.ts';
import { startTestService, type TestService } from '../src/testing/helpers.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 32);
const CPU_SECONDS = Number(process.env.BENCH_CPU_SECONDS ?? 8);
const BASE = process.env.BENCH_BASE ?? '569ae41';
const REPO = path.resolve(import.meta.dirname, '../..');
const SAMPLE_MS = 10_000;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The base's status component, from its own sources (resolving packages from this repo).
const baseDir = path.join(REPO, '.breakwater', 'status-page-bench', BASE);
rmSync(baseDir, { recursive: true, force: true });
mkdirSync(baseDir, { recursive: true });
execFileSync('sh', ['-c', `git -C "${REPO}" archive "${BASE}" collector/src | tar -x -C "${baseDir}"`]);
const base = (await import(path.join(baseDir, 'collector/src/status-component.ts'))) as {
  createStatusComponent: typeof createStatusComponent;
};

const fleet = syntheticFleet(ROWS);
// The budget charts fill at once: the sampling timer runs immediately until they are full.
let filling = true;
const clock: Clock = {
  ...systemClock,
  now: () => systemClock.now(),
  monotonic: () => systemClock.monotonic(),
  setTimeout: (fn, ms, options) => systemClock.setTimeout(fn, filling && ms === SAMPLE_MS ? 1 : ms, options),
  clearTimeout: (handle) => systemClock.clearTimeout(handle),
};

interface Side {
  name: 'base' | 'current';
  service: TestService;
  status: StatusComponent;
  page?: Page;
  samples: Record<'load' | 'update' | 'nodes' | 'heap' | 'frame' | 'change' | 'cpu', number[]>;
}

async function start(name: Side['name'], create: typeof createStatusComponent): Promise<Side> {
  let status: StatusComponent | undefined;
  const service = await startTestService('store: { kind: memory }\n', {
    components: [
      (ctx: ComponentContext) => {
        status = create({ ...ctx, clock }, fleet.sources, { sampleIntervalMs: SAMPLE_MS });
        return status;
      },
    ],
  });
  return {
    name,
    service,
    status: status!,
    samples: { load: [], update: [], nodes: [], heap: [], frame: [], change: [], cpu: [] },
  };
}

const sides = [
  await start('base', base.createStatusComponent),
  await start('current', createStatusComponent),
];
const historyFull = async (side: Side) =>
  (await side.status.snapshot()).slos.some((slo) => slo.groups.some((g) => g.budgetHistory.length >= 180));
while (!(await historyFull(sides[0]!)) || !(await historyFull(sides[1]!))) await sleep(200);
filling = false;
const first = await sides[1]!.status.snapshot();
console.log(
  `rows=${first.slos.reduce((n, slo) => n + slo.groups.length, 0)} services=${fleet.services} base=${BASE}, ${ROUNDS} rounds, ${VIEWERS} viewers`,
);

/** The stream as the page asks for it: with deltas (a base that predates them ignores the query). */
function eventsUrl(side: Side): string {
  return `${side.service.url}/v1/status/events?${STATUS_DELTAS_PARAM}=1`;
}

/** Bytes of the first event a new viewer gets (the full snapshot). */
async function frameBytes(side: Side): Promise<number> {
  const controller = new AbortController();
  const response = await fetch(`${side.service.url}/v1/status/events`, { signal: controller.signal });
  const reader = response.body!.getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return 0;
    text += Buffer.from(value).toString('utf8');
    for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
      const event = text.slice(0, end + 2);
      text = text.slice(end + 2);
      if (!event.includes('event: status')) continue;
      controller.abort();
      return Buffer.byteLength(event);
    }
  }
}

/**
 * Watches `side`'s stream as a viewer and counts what it is sent after the first event; the
 * returned function stops and gives the bytes per event (one event per change).
 */
async function changeBytes(side: Side): Promise<() => number> {
  const controller = new AbortController();
  const response = await fetch(eventsUrl(side), { signal: controller.signal });
  let bytes = 0;
  let events = 0;
  let first = true;
  void (async () => {
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of response.body!) {
      text += decoder.decode(chunk, { stream: true });
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const event = text.slice(0, end + 2);
        text = text.slice(end + 2);
        if (!/^event: status/m.test(event)) continue;
        if (first) first = false;
        else {
          events++;
          bytes += Buffer.byteLength(event);
        }
      }
    }
  })().catch(() => undefined);
  await sleep(1_500); // the first event in
  return () => {
    controller.abort();
    return events === 0 ? 0 : bytes / events;
  };
}

/** Chromium's performance counters of `page` (CDP `Performance.getMetrics`). */
async function counters(page: Page): Promise<(collect?: boolean) => Promise<Record<string, number>>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return async (collect = false) => {
    // Heap after a full collection: what the page holds, not when the collector last ran.
    if (collect) await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
  };
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of sides) {
      const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
      const metrics = await counters(page);
      const started = performance.now();
      await page.goto(`${side.service.url}/`);
      await page.locator('#sec-slos tbody tr').first().waitFor({ timeout: 600_000 });
      side.samples.load.push(performance.now() - started);
      await sleep(1_500); // past the stream's rate limit
      const before = await metrics();
      const shown = await page.locator('body').getAttribute('data-rendered');
      fleet.burn(round + 1);
      side.status.changed();
      await page.locator(`body:not([data-rendered="${shown}"])`).waitFor({ timeout: 600_000 });
      const after = await metrics();
      side.samples.update.push((after.TaskDuration! - before.TaskDuration!) * 1_000);
      const held = await metrics(true);
      side.samples.nodes.push(held.Nodes!);
      side.samples.heap.push(held.JSHeapUsedSize! / 1e6);
      await page.close();
      side.samples.frame.push((await frameBytes(side)) / 1_000);
    }
  }
} finally {
  await browser.close();
}

for (let round = 0; round < ROUNDS; round++) {
  for (const side of sides) {
    const viewers: ChildProcess[] = Array.from({ length: VIEWERS }, () =>
      spawn('curl', ['-sN', '-o', '/dev/null', eventsUrl(side)]),
    );
    await sleep(3_000);
    const perChange = await changeBytes(side);
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let s = 0; s < CPU_SECONDS; s++) {
      fleet.advance();
      await sleep(1_000);
    }
    const used = process.cpuUsage(cpu);
    side.samples.cpu.push((used.user + used.system) / 1_000 / ((performance.now() - started) / 1_000));
    side.samples.change.push(perChange() / 1_000);
    for (const viewer of viewers) viewer.kill();
    await sleep(500);
  }
}
for (const side of sides) await side.service.close();
rmSync(baseDir, { recursive: true, force: true });

const [b, c] = sides as [Side, Side];
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
for (const side of sides) {
  const m = (k: keyof Side['samples']) => fmt(median(side.samples[k]));
  console.log(
    `${side.name.padEnd(8)} load_ms=${m('load')} update_ms=${m('update')} nodes=${m('nodes')} heap_mb=${m('heap')} frame_kb=${m('frame')} change_kb=${m('change')} cpu_ms_per_s=${m('cpu')}`,
  );
}
const ratio = (k: keyof Side['samples']) =>
  median(c.samples[k].map((v, i) => v / b.samples[k][i]!)).toFixed(2);
console.log(
  `rows=${ROWS} load_ratio=${ratio('load')} update_ratio=${ratio('update')} nodes_ratio=${ratio('nodes')} heap_ratio=${ratio('heap')} frame_ratio=${ratio('frame')} change_ratio=${ratio('change')} cpu_ratio=${ratio('cpu')}`,
);
