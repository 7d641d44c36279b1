/**
 * `breakwater gate` across steps of the wall clock: `--watch`/`--wait` deadlines, the rollback
 * latency and the recovery time run on the monotonic clock; only report times are wall time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GateAnswer, GateRollbackEventSchema, ManualClock } from '@breakwater/protocol';
import type { GateClient } from './client.ts';
import { poll } from './poll.ts';
import { trackRecovery } from './recovery.ts';
import { runGateCommand } from './run-gate.ts';

const HOUR = 3_600_000;

function answer(decision: GateAnswer['decision']): GateAnswer {
  return {
    decision,
    service: 'chat',
    version: 'v2',
    baseline: ['v1'],
    reasons: decision === 'ROLLBACK' ? [{ code: 'sustained_burn', message: 'burn', decision }] : [],
    slos: [],
    window: '10m',
    evaluatedAt: 0,
  };
}

describe('breakwater gate across a wall-clock step', () => {
  it('--watch 30m keeps watching for 30 minutes although the clock stepped an hour forward', async () => {
    const clock = new ManualClock();
    let asks = 0;
    let finished = false;
    const done = poll(
      async () => {
        if (++asks === 1) clock.stepWall(HOUR);
        return answer('PROCEED');
      },
      { clock, intervalMs: 10_000, deadline: clock.monotonic() + 30 * 60_000, mode: 'watch' },
    ).then(() => {
      finished = true;
    });
    await clock.advance(29 * 60_000);
    assert.equal(finished, false, `finished after ${asks} polls`);
    await clock.advance(60_000);
    await done;
    assert.equal(asks, 181, 'a poll every 10 s for 30 minutes');
  });

  it('measures the recovery time on the monotonic clock when the wall clock steps back', async () => {
    const clock = new ManualClock();
    let polls = 0;
    const client = {
      health: async () => {
        if (++polls === 1) clock.stepWall(-60_000);
        return { healthy: polls >= 2 };
      },
    } as unknown as GateClient;
    const outcome = trackRecovery(client, {
      clock,
      service: 'chat',
      sinceMs: 0,
      timeoutMs: 600_000,
      intervalMs: 5_000,
    });
    await clock.advance(5_000);
    assert.deepEqual(await outcome, { recovered: true, recoveryMs: 5_000, timeoutMs: 600_000 });
  });

  it('reports a rollback latency that the schema accepts when the wall clock stepped back during the rollback', async () => {
    const clock = new ManualClock();
    const reported: unknown[] = [];
    const fake = (async (input: string | URL | Request, init?: RequestInit) => {
      const path = new URL(String(input)).pathname;
      if (path === '/v1/gate/rollbacks') {
        reported.push(JSON.parse(String(init?.body)));
        return Response.json({ accepted: true }, { status: 202 });
      }
      if (path === '/v1/gate/health')
        return Response.json({
          service: 'chat',
          excluded: [],
          window: '5m',
          healthy: true,
          slos: [],
          evaluatedAt: 0,
        });
      return Response.json(answer('ROLLBACK'));
    }) as typeof fetch;
    let out = '';
    const code = await runGateCommand(['-s', 'chat', '-v', 'v2', '--json', '--on-rollback', 'deploy undo'], {
      stdout: (t) => {
        out += t;
      },
      stderr: () => {},
      env: {},
      clock,
      fetch: fake,
      async run() {
        await clock.advance(4_000);
        clock.stepWall(-10 * 60_000);
        return 0;
      },
    });
    assert.equal(code, 20);
    const rollback = (JSON.parse(out) as { rollback: { latencyMs: number } }).rollback;
    assert.equal(rollback.latencyMs, 4_000);
    const event = reported.find((r) => (r as { kind: string }).kind === 'rollback');
    assert.ok(GateRollbackEventSchema.safeParse(event).success, JSON.stringify(event));
  });
});
