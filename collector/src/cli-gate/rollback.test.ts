import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';

// The runner's output goes to this process's own file descriptors: run it in a child to see where.
function runIn(stdoutToStderr: boolean): { stdout: string; stderr: string; status: number | null } {
  const script = `import('./rollback.ts').then(async (m) => {
    const code = await m.shellRunner('echo "rolled back $BREAKWATER_GATE_VERSION"', { BREAKWATER_GATE_VERSION: 'v2' }, { stdoutToStderr: ${stdoutToStderr} });
    process.exitCode = code;
  });`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: import.meta.dirname,
    encoding: 'utf8',
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

it('the rollback command writes to stdout, or to stderr where stdout is kept for --json', () => {
  assert.deepEqual(runIn(false), { stdout: 'rolled back v2\n', stderr: '', status: 0 });
  assert.deepEqual(runIn(true), { stdout: '', stderr: 'rolled back v2\n', status: 0 });
});
