/**
 * Node 22: the packages' own tests of what differs between Node versions, run on the Node 22
 * binary that BREAKWATER_TEST_NODE22 names (`.ci/run` installs 22.15.0, the engines floor), from
 * the TypeScript sources (Node 22 strips types only with --experimental-strip-types before 22.18).
 * Chosen for the APIs that changed after 22.15: `node:sqlite` (the store, the forward spool), the
 * ESM loader hook (real app processes), the CLI's warnings. The packed packages run on it in
 * packaging.test.ts. Skipped when the variable is unset.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT } from '../harness/process.ts';

const NODE22 = process.env.BREAKWATER_TEST_NODE22;
const skip = NODE22 === undefined && 'BREAKWATER_TEST_NODE22 names no Node 22 binary (.ci/run sets it)';

const SUITES: { dir: string; files: string[] }[] = [
  {
    dir: 'collector',
    files: [
      'src/store/store.test.ts',
      'src/store/fold.test.ts',
      'src/forward/spool.test.ts',
      'src/cli/quiet-warnings.test.ts',
    ],
  },
  { dir: 'packages/node', files: ['src/apps.test.ts'] },
];

/** Runs node:test on `files` in `dir` with the Node 22 binary; its exit code and output. */
function runOnNode22(dir: string, files: string[]): Promise<{ code: number | null; output: string }> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !/^(NODE_OPTIONS|NODE_TEST_CONTEXT|NODE_CHANNEL_FD)$/.test(key))
      env[key] = value;
  // In NODE_OPTIONS, so the app processes the tests start strip types too.
  env.NODE_OPTIONS = '--experimental-strip-types';
  return new Promise((resolve, reject) => {
    const child = spawn(
      NODE22!,
      ['--conditions=@breakwater/source', '--test', '--test-reporter=spec', '--test-timeout=60000', ...files],
      { cwd: join(REPO_ROOT, dir), env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

for (const { dir, files } of SUITES) {
  it(`on Node 22: ${dir} ${files.join(', ')}`, { skip }, async () => {
    const { code, output } = await runOnNode22(dir, files);
    const failed = output.split('\n').filter((line) => /^\s*✖/.test(line));
    assert.equal(code, 0, `${failed.join('\n')}\n--- output ---\n${output}`);
  });
}
