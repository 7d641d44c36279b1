/**
 * The collector's state files (firing SLO alerts, gate incidents, rolled-back versions) on a
 * data directory where they cannot be saved: each failure shows on `/metrics`, not only in the
 * log, as a restart would otherwise silently come back to older state.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { GATE_PATHS } from '@breakwater/protocol';
import { SLO_ALERTS_FILE } from './act/firing-alerts-file.ts';
import { GATE_INCIDENTS_FILE } from './act/gate/incident-store.ts';
import { GATE_ROLLED_BACK_FILE } from './act/gate/rolled-back-store.ts';
import { memoryLogger } from './act/testing/tools.ts';
import { many, postSpans, startOn } from './testing/restart.ts';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

/** Polls `/metrics` (bounded) until `series` is at least 1. */
async function counted(baseUrl: string, series: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (((await sample(baseUrl, series)) ?? 0) < 1) {
    if (Date.now() > deadline) throw new Error(`${series} not counted`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The value of the sample `series` (name and labels as exposed) on `/metrics`, if any. */
async function sample(baseUrl: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

it('counts failed saves of each state file on /metrics and logs the first of a run', async () => {
  // An Alertmanager stand-in that takes every alert.
  const am = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((resolve) => am.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => am.close(() => resolve())));
  const dir = mkdtempSync(join(tmpdir(), 'bw-state-save-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  // A directory where each file should be: every save's rename onto it fails, as on a broken
  // disk (and unlike a read-only directory, also for root).
  for (const file of [SLO_ALERTS_FILE, GATE_INCIDENTS_FILE, GATE_ROLLED_BACK_FILE])
    mkdirSync(join(dir, file));
  const logger = memoryLogger();
  const service = await startOn(
    dir,
    `
technicalSlos: false
evaluation: { interval: 200ms, minEvents: 10 }
alertmanager: { url: "http://127.0.0.1:${(am.address() as AddressInfo).port}" }
slos: [{ name: avail, objective: 99 }]
gate: { minEvents: 20 }
`,
    { logger },
  );
  cleanup.push(() => service.shutdown());

  const url = service.url;
  const slo = `breakwater_slo_state_save_failures_total{file="${SLO_ALERTS_FILE}"}`;
  const incidents = `breakwater_gate_state_save_failures_total{file="${GATE_INCIDENTS_FILE}"}`;
  const rolledBack = `breakwater_gate_state_save_failures_total{file="${GATE_ROLLED_BACK_FILE}"}`;
  // The gate saves nothing before its first ROLLBACK or HALT.
  assert.deepEqual(await Promise.all([incidents, rolledBack].map((s) => sample(url, s))), [0, 0]);

  await postSpans(url, [
    ...many(300, { version: 'v1' }),
    ...many(60, { version: 'v2' }),
    ...many(40, { version: 'v2', failed: true }),
  ]);
  const res = await fetch(`${url}${GATE_PATHS.DECISION}?service=checkout&version=v2`);
  assert.equal(((await res.json()) as { decision: string }).decision, 'ROLLBACK');
  // The rolled-back version is saved before the answer; the incident and the burn alert soon after.
  assert.ok(((await sample(url, rolledBack)) ?? 0) >= 1);
  await counted(url, incidents);
  await counted(url, slo);
  const logged = (path: string) =>
    logger.lines.filter(
      (l) =>
        l.level === 'error' &&
        (l.obj as { path?: string }).path === join(dir, path) &&
        /cannot save/.test(l.msg ?? ''),
    );
  for (const file of [SLO_ALERTS_FILE, GATE_INCIDENTS_FILE, GATE_ROLLED_BACK_FILE])
    assert.equal(logged(file).length, 1, file);
});
