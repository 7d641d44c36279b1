import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileErrorReason, notWritable, openFailureReason } from './file-access.ts';

/**
 * `notWritable(path)` as seen by "nobody" (uid 65534, through util-linux's setpriv): root may
 * write anywhere. Its output (`writable` when it can) and errors; undefined without setpriv.
 */
function notWritableAsNobody(path: string): { stdout: string; stderr: string } | undefined {
  const probe = `import { notWritable } from ${JSON.stringify(new URL('./file-access.ts', import.meta.url).href)};
    console.log(notWritable(${JSON.stringify(path)}) ?? 'writable');`;
  const run = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      '--input-type=module',
      '-e',
      probe,
    ],
    { encoding: 'utf8' },
  );
  return run.error === undefined ? { stdout: run.stdout, stderr: run.stderr } : undefined;
}

it('file-system error codes read as their cause', () => {
  assert.match(fileErrorReason('EACCES')!, /^permission denied for this user \(uid \d+\)$/);
  assert.match(fileErrorReason('EEXIST')!, /a file is in the way/);
  assert.equal(fileErrorReason('EBADF'), undefined);
});

it('a store path this user cannot write is named as such (run as an unprivileged user when root)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-access-'));
  try {
    chmodSync(dir, 0o555);
    const path = join(dir, 'breakwater.db');
    if (process.getuid?.() !== 0) {
      assert.match(notWritable(path) ?? '', /is not writable: permission denied/);
      return;
    }
    // Root may write anywhere: check as "nobody", where setpriv is available.
    const run = notWritableAsNobody(path);
    if (run === undefined) {
      t.skip('setpriv not available');
      return;
    }
    assert.match(run.stdout, /is not writable: permission denied for this user \(uid 65534\)/, run.stderr);
    assert.equal(notWritable(join(tmpdir(), 'bw-writable-probe.db')), undefined);
  } finally {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

it('a directory that cannot be written is named, also around a file that can: SQLite writes its WAL beside the file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-access-'));
  try {
    const path = join(dir, 'breakwater.db');
    writeFileSync(path, '');
    chmodSync(path, 0o666);
    chmodSync(dir, 0o555);
    if (process.getuid?.() !== 0) {
      assert.match(notWritable(path) ?? '', new RegExp(`^${dir} is not writable: permission denied`));
      return;
    }
    const run = notWritableAsNobody(path);
    if (run === undefined) {
      t.skip('setpriv not available');
      return;
    }
    assert.equal(
      run.stdout.trim(),
      `${dir} is not writable: permission denied for this user (uid 65534)`,
      run.stderr,
    );
  } finally {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

it('a directory where the file should be is named as such, not as "unable to open database file"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-access-'));
  try {
    assert.equal(
      openFailureReason(dir, new Error('unable to open database file')),
      `${dir} is a directory, not a file (SQLite: unable to open database file)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
