import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { SloStatusSchema } from '@breakwater/protocol';
import { many, postSpans, startOn } from './testing/restart.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-lifecycle-'));
  dirs.push(dir);
  return dir;
}

const latencySlo = (threshold: string) => `
technicalSlos: false
slos:
  - name: lat
    sli: latency
    objective: 95
    threshold: ${threshold}
`;

async function status(baseUrl: string, slo: string) {
  const response = await fetch(`${baseUrl}/v1/slos/${slo}`);
  return SloStatusSchema.parse(await response.json());
}

it('does not read events counted under an old latency threshold as judged by the new one', async () => {
  const dir = dataDir();
  const first = await startOn(dir, latencySlo('1s'));
  await postSpans(first.url, many(100, { durationMs: 1500 }));
  const before = (await status(first.url, 'lat')).groups[0]!;
  assert.equal(before.windows.at(-1)!.good, 0, 'every 1.5 s call is slow against 1 s');
  await first.shutdown();

  const second = await startOn(dir, latencySlo('2s'));
  try {
    await postSpans(second.url, many(10, { durationMs: 1500 }));
    const group = (await status(second.url, 'lat')).groups[0]!;
    const whole = group.windows.at(-1)!;
    assert.equal(
      whole.good,
      whole.total,
      `every event the SLO reads was judged against 2 s: ${JSON.stringify(whole)}`,
    );
    assert.deepEqual(group.alerts, []);
  } finally {
    await second.shutdown();
  }
});

const availabilitySlo = (extra: string) => `
technicalSlos: false
slos:
  - name: avail
    objective: 99
${extra}`;

async function wholeWindow(baseUrl: string, slo: string) {
  const group = (await status(baseUrl, slo)).groups.find((g) => g.version === undefined);
  return group?.windows.at(-1);
}

it('keeps the history when only the objective, window or list order changes', async () => {
  const dir = dataDir();
  const first = await startOn(dir, availabilitySlo('    selector: { operation: [chat, embeddings] }'));
  await postSpans(first.url, [...many(9), { failed: true }]);
  await first.shutdown();

  const second = await startOn(
    dir,
    availabilitySlo('    selector: { operation: [embeddings, chat] }\n    window: 7d').replace('99', '99.9'),
  );
  try {
    assert.deepEqual(
      { ...(await wholeWindow(second.url, 'avail')), errorRatio: undefined, burnRate: undefined },
      { window: '7d', good: 9, total: 10, errorRatio: undefined, burnRate: undefined },
    );
  } finally {
    await second.shutdown();
  }
});

it("sets a changed selector's history aside, and reads it again once the edit is undone", async () => {
  const dir = dataDir();
  const chat = availabilitySlo('    selector: { operation: chat }');
  const first = await startOn(dir, chat);
  await postSpans(first.url, [...many(8), ...many(2, { failed: true })]);
  await first.shutdown();

  const narrowed = availabilitySlo('    selector: { operation: chat, service: checkout }');
  const second = await startOn(dir, narrowed);
  try {
    await postSpans(second.url, many(3));
    assert.deepEqual(
      [(await wholeWindow(second.url, 'avail'))?.good, (await wholeWindow(second.url, 'avail'))?.total],
      [3, 3],
      'only events counted under the new selector',
    );
  } finally {
    await second.shutdown();
  }

  const third = await startOn(dir, chat);
  try {
    const whole = await wholeWindow(third.url, 'avail');
    assert.deepEqual([whole?.good, whole?.total], [8, 10], "the first definition's counts are back");
  } finally {
    await third.shutdown();
  }
});

it('sets aside the history of an SLO removed and re-added with other events', async () => {
  const dir = dataDir();
  const first = await startOn(dir, availabilitySlo('    selector: { operation: chat }'));
  await postSpans(first.url, many(5, { failed: true }));
  await first.shutdown();

  const without = await startOn(dir, 'technicalSlos: false\nslos: [{ name: other, objective: 99 }]\n');
  await without.shutdown();

  const again = await startOn(dir, availabilitySlo('    selector: { operation: embeddings }'));
  try {
    assert.equal(await wholeWindow(again.url, 'avail'), undefined, 'no group: no event counted under it');
  } finally {
    await again.shutdown();
  }
});
