import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { FileRolledBackStore, GATE_ROLLED_BACK_FILE } from '../../act/gate/rolled-back-store.ts';
import { memoryLogger } from '../../act/testing/tools.ts';
import { type RolledBackStore, RolledBackVersions, type StoredRollback } from './rolled-back-versions.ts';

it('remembers a ROLLBACK answer for as long as the gate window, per service, from the last answer', async () => {
  const clock = new ManualClock(0);
  const versions = new RolledBackVersions(clock, 600_000);
  versions.add('chat', 'v2');
  versions.add('search', 'v7');
  assert.deepEqual(versions.of('chat'), ['v2']);
  await clock.advance(500_000);
  versions.add('chat', 'v2'); // polled again by --watch: kept from this answer on
  await clock.advance(200_000);
  assert.deepEqual(versions.of('chat'), ['v2']);
  assert.deepEqual(versions.of('search'), []);
  await clock.advance(400_001);
  assert.deepEqual(versions.of('chat'), []);
});

/** A store that keeps what was saved last in memory. */
function memoryStore(initial: StoredRollback[] = []): RolledBackStore & { saved: StoredRollback[] } {
  const store = {
    saved: initial,
    load: async () => store.saved,
    save(list: readonly StoredRollback[]) {
      store.saved = [...list];
    },
    flush: async () => {},
    failing: false,
  };
  return store;
}

it('keeps its answers across a restart for what is left of the window, then forgets them', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const store = memoryStore();
  const before = new RolledBackVersions(clock, 600_000, store);
  await before.restore();
  before.add('chat', 'v2');
  assert.deepEqual(store.saved, [{ service: 'chat', version: 'v2', answeredAt: 1_700_000_000_000 }]);

  await clock.advance(400_000);
  const after = new RolledBackVersions(clock, 600_000, store);
  await after.restore();
  assert.deepEqual(after.of('chat'), ['v2']);
  await clock.advance(200_001);
  assert.deepEqual(after.of('chat'), []);
  // Expired rows are dropped from the store by the next save, and never come back.
  after.add('search', 'v7');
  assert.deepEqual(
    store.saved.map((r) => r.version),
    ['v7'],
  );
});

it('restores only answers within the window configured now, and keeps those noted before it loaded', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const now = clock.now();
  const store = memoryStore([
    { service: 'chat', version: 'old', answeredAt: now - 120_000 },
    { service: 'chat', version: 'recent', answeredAt: now - 30_000 },
    // The wall clock stepped back since the save: counts as just answered, not kept longer.
    { service: 'chat', version: 'ahead', answeredAt: now + 3_600_000 },
  ]);
  // The window was shortened to 1m meanwhile.
  const versions = new RolledBackVersions(clock, 60_000, store);
  versions.add('chat', 'meanwhile');
  await versions.restore();
  assert.deepEqual(versions.of('chat').sort(), ['ahead', 'meanwhile', 'recent']);
  await clock.advance(60_001);
  assert.deepEqual(versions.of('chat'), []);
});

it('starts empty on a data dir without the file (an older collector kept it) or with a damaged one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-rolled-back-'));
  try {
    const clock = new ManualClock(1_700_000_000_000);
    const log = memoryLogger();
    const store = new FileRolledBackStore(dir, log);
    const versions = new RolledBackVersions(clock, 600_000, store);
    await versions.restore();
    assert.deepEqual(versions.of('chat'), []);
    versions.add('chat', 'v2');
    await versions.flush();
    const again = new RolledBackVersions(clock, 600_000, new FileRolledBackStore(dir, log));
    await again.restore();
    assert.deepEqual(again.of('chat'), ['v2']);
    // Restoring saves what it loaded: that write must not land over the damaged file below.
    await again.flush();

    writeFileSync(join(dir, GATE_ROLLED_BACK_FILE), '{"version":2}');
    const damaged = new RolledBackVersions(clock, 600_000, new FileRolledBackStore(dir, log));
    await damaged.restore();
    assert.deepEqual(damaged.of('chat'), []);
    assert.ok(log.lines.some((l) => l.level === 'error' && /invalid; starting without/.test(l.msg ?? '')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('saves again at the next question once a failed save can go through, not only at the next ROLLBACK', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-rolled-back-'));
  try {
    const clock = new ManualClock(1_700_000_000_000);
    const path = join(dir, GATE_ROLLED_BACK_FILE);
    // A directory where the file should be: the save's rename onto it fails, as on a broken disk.
    mkdirSync(path);
    const store = new FileRolledBackStore(dir, memoryLogger());
    const versions = new RolledBackVersions(clock, 600_000, store);
    await versions.restore();
    versions.add('chat', 'v2');
    await versions.flush();
    assert.equal(store.failing, true);
    rmdirSync(path);
    // The disk works again; the next gate question (any service) brings the file up to date.
    versions.of('search');
    await versions.flush();
    const again = new RolledBackVersions(clock, 600_000, new FileRolledBackStore(dir, memoryLogger()));
    await again.restore();
    assert.deepEqual(again.of('chat'), ['v2']);
    // Restoring saves what it loaded: let that write end before the directory goes.
    await again.flush();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
