/**
 * The gate's memory of its ROLLBACK answers across a restart: a fix deployed right after a
 * rollback is compared with the versions before it, not with the version just rolled back,
 * also when the collector restarted in between.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { GATE_PATHS, type GateAnswer, GateAnswerSchema } from '@breakwater/protocol';
import { many, postSpans, startOn } from './testing/restart.ts';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

const CONFIG = `
technicalSlos: false
slos: [{ name: avail, objective: 99 }]
gate: { minEvents: 20 }
`;

async function ask(baseUrl: string, version: string): Promise<GateAnswer> {
  const res = await fetch(`${baseUrl}${GATE_PATHS.DECISION}?service=checkout&version=${version}`);
  assert.equal(res.status, 200);
  return GateAnswerSchema.parse(await res.json());
}

it('leaves a version answered ROLLBACK out of the automatic baseline after a restart on the same data dir', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-gate-restart-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));

  const first = await startOn(dir, CONFIG);
  await postSpans(first.url, [
    ...many(300, { version: 'v1' }),
    ...many(60, { version: 'v2' }),
    ...many(40, { version: 'v2', failed: true }),
  ]);
  const rolledBack = await ask(first.url, 'v2');
  assert.equal(rolledBack.decision, 'ROLLBACK', JSON.stringify(rolledBack.reasons));
  await first.shutdown();

  const second = await startOn(dir, CONFIG);
  cleanup.push(() => second.shutdown());
  await postSpans(second.url, many(100, { version: 'v3' }));
  assert.deepEqual((await ask(second.url, 'v3')).baseline, ['v1']);
});
