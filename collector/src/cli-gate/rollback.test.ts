import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { shellRunner, TIMED_OUT } from './rollback.ts';

// The runner's output goes to this process's own file descriptors: run it in a child to see where.
function runIn(stdoutToStderr: boolean): { stdout: string; stderr: string; status: number | null } {
  const script = `import('./rollback.ts').then(async (m) => {
    const { systemClock } = await import('@breakwater/protocol');
    const options = { stdoutToStderr: ${stdoutToStderr}, timeoutMs: 60_000, clock: systemClock };
    const code = await m.shellRunner('echo "rolled back $BREAKWATER_GATE_VERSION"', { BREAKWATER_GATE_VERSION: 'v2' }, options);
    process.exitCode = code;
  });`;
  // With this process's flags (--conditions=@breakwater/source): the child reads the sources too,
  // so the test runs without a build.
  const result = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    cwd: import.meta.dirname,
    encoding: 'utf8',
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

it('the rollback command writes to stdout, or to stderr where stdout is kept for --json', () => {
  assert.deepEqual(runIn(false), { stdout: 'rolled back v2\n', stderr: '', status: 0 });
  assert.deepEqual(runIn(true), { stdout: '', stderr: 'rolled back v2\n', status: 0 });
});

it('a rollback command that hangs is ended at --rollback-timeout and exits 124', async () => {
  const clock = new ManualClock(0);
  // `exec`: the shell becomes the command, so the SIGTERM reaches it (as for `kubectl ...`).
  const ran = shellRunner('exec sleep 30', {}, { stdoutToStderr: true, timeoutMs: 60_000, clock });
  let ended = false;
  void ran.then(() => (ended = true));
  await clock.advance(59_999);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(ended, false, 'ended before its timeout');
  await clock.advance(1);
  assert.equal(await ran, TIMED_OUT);
});

it('a command that ignores SIGTERM is killed 5 s after it', async () => {
  const clock = new ManualClock(0);
  const dir = mkdtempSync(join(tmpdir(), 'bw-rollback-'));
  const ready = join(dir, 'ready');
  try {
    // An ignored signal stays ignored across exec: sleep itself ignores SIGTERM. The file says the
    // trap is set; a SIGTERM before it would end the shell, not test the SIGKILL.
    const ran = shellRunner(
      `trap '' TERM; : > "$READY"; exec sleep 30`,
      { READY: ready },
      { stdoutToStderr: true, timeoutMs: 1_000, clock },
    );
    let ended = false;
    void ran.then(() => (ended = true));
    for (let i = 0; i < 200 && !existsSync(ready); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(existsSync(ready), 'the command did not start');
    await clock.advance(1_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(ended, false, 'SIGTERM was ignored, so it still runs');
    await clock.advance(5_000);
    assert.equal(await ran, TIMED_OUT);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
