/**
 * The SLO engine across steps of the wall clock: the store runs on its own time (wall time as of
 * start, advanced by the monotonic clock), so a step neither keeps old errors in the shortest
 * window nor drops new ones from it, within a run or across a restart.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { memoryLogger } from './act/testing/tools.ts';
import { CollectorConfigSchema } from './config/schema.ts';
import { parseGateConfig } from './evaluate/gate/config.ts';
import { evaluateHealth } from './evaluate/gate/health.ts';
import { failed, span, times } from './sli/testing/spans.ts';
import { createSloComponent, type SloComponent } from './slo-component.ts';
import { DEFAULT_STORE_FILE } from './store/open-store.ts';

const M = 60_000;
const HOUR = 60 * M;
const dirs: string[] = [];
const stops: (() => Promise<void> | void | undefined)[] = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function component(clock: ManualClock, dataDir: string): Promise<SloComponent> {
  const config = CollectorConfigSchema.parse({ technicalSlos: false, evaluation: { interval: '1m' } });
  const c = await createSloComponent({ config, clock, logger: memoryLogger(), dataDir });
  stops.push(() => c.stop?.());
  await c.start?.();
  return c;
}

/** Bad and total events of checkout's summed availability group over `window`. */
async function window(c: SloComponent, window: string): Promise<[number, number]> {
  const [availability] = await c.current();
  const group = availability!.groups.find((g) => g.version === undefined)!;
  const w = group.windows.find((x) => x.window === window)!;
  return [w.total - w.good, w.total];
}

/** 30 minutes of healthy traffic, a batch a minute. */
async function healthyHalfHour(c: SloComponent, clock: ManualClock): Promise<void> {
  for (let m = 0; m < 30; m++) {
    await clock.advance(M);
    await c.spanSink!(
      times(100, () => span()),
      clock.now(),
    );
  }
}

describe('SLO engine across a wall-clock step', () => {
  it('an outage leaves the 5m window 5 minutes after it, although the clock stepped back an hour', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));
    const dataDir = mkdtempSync(join(tmpdir(), 'bw-slo-step-'));
    dirs.push(dataDir);
    const c = await component(clock, dataDir);
    await c.spanSink!(
      times(100, () => failed('timeout')),
      clock.now(),
    );
    clock.stepWall(-HOUR);
    await healthyHalfHour(c, clock);
    assert.equal((await window(c, '5m'))[0], 0, 'no bad event in the 5m window');
    assert.equal((await window(c, '1h'))[0], 100, 'the outage is still in the 1h window');
  });

  it('after a restart with the clock an hour behind, counts from before it are not in the future', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bw-slo-step-'));
    dirs.push(dataDir);
    const t = Date.UTC(2025, 5, 1, 12, 0, 0);
    const first = await component(new ManualClock(t), dataDir);
    await first.spanSink!(
      times(100, () => failed('timeout')),
      t,
    );
    // The restart finds the files as they are (the first collector still holds them).
    const copy = mkdtempSync(join(tmpdir(), 'bw-slo-step-'));
    dirs.push(copy);
    for (const file of [DEFAULT_STORE_FILE, `${DEFAULT_STORE_FILE}-wal`])
      copyFileSync(join(dataDir, file), join(copy, file));
    const clock = new ManualClock(t - HOUR); // the wall clock was an hour ahead before
    const second = await component(clock, copy);
    await healthyHalfHour(second, clock);
    assert.equal((await window(second, '5m'))[0], 0, 'no bad event in the 5m window');
    assert.equal((await window(second, '1h'))[0], 100);
  });
});

describe("gate health on the SLO engine's store", () => {
  // The store's time is wall time as of start advanced by the monotonic clock: the two drift
  // apart by a millisecond within seconds (Date.now() is whole milliseconds), by more after a step.
  for (const [what, stepMs] of [
    ['a millisecond', 1],
    ['30 s', 30_000],
  ] as const) {
    it(`since a rollback counts only the minutes after it, with the wall clock ${what} ahead of the store`, async () => {
      const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));
      const dataDir = mkdtempSync(join(tmpdir(), 'bw-slo-step-'));
      dirs.push(dataDir);
      const c = await component(clock, dataDir);
      clock.stepWall(stepMs);
      await clock.advance(10_000);
      // The bad version fails until the rollback, which ends 5 s later (on the collector's clock).
      await c.spanSink!(
        times(100, () => failed('timeout')),
        clock.now(),
      );
      const rollbackEnd = clock.now() + 5_000;
      // The next minute of the store: only the good version serves.
      await clock.advance(M);
      await c.spanSink!(
        times(100, () => span()),
        clock.now(),
      );
      await clock.advance(5_000);
      const health = await evaluateHealth(
        c.gateSource,
        parseGateConfig(undefined),
        'checkout',
        [],
        clock.now(),
        rollbackEnd,
      );
      assert.deepEqual(
        health.slos.map((s) => [s.slo, s.total - s.good, s.total]),
        [['availability', 0, 100]],
        'the failures before the rollback are not counted',
      );
      assert.equal(health.healthy, true);
    });
  }
});
