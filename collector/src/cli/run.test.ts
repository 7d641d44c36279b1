// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings test ${ENV} substitution
/** The CLI run in-process (no child process): what a user sees on stdout, stderr and the exit code. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './run.ts';

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
  });
  return { code, stdout, stderr };
}

describe('breakwater CLI, in-process', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-run-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('check-config and serve report an unset variable and the problems of the rest of the file at once', async () => {
    const file = join(dir, 'mask.yaml');
    await writeFile(file, 'alertmanager:\n  url: ${AM_URL}\nevaluation:\n  intervall: 10s\n');
    const expected = [
      `${file}:2:8: alertmanager.url: environment variable AM_URL is not set (write \${AM_URL:-default} for a fallback)`,
      `${file}:4:14: evaluation.intervall: unknown key (did you mean interval?)`,
    ];
    const check = await run(['check-config', file]);
    assert.equal(check.code, 2);
    assert.equal(check.stdout, '');
    assert.deepEqual(check.stderr.trimEnd().split('\n'), expected);
    const serve = await run(['serve', '--config', file]);
    assert.equal(serve.code, 2);
    assert.deepEqual(serve.stderr.trimEnd().split('\n'), ['breakwater: invalid configuration', ...expected]);
  });
});
