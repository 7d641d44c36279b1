import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';

const MODULE = new URL('../../bin/quiet-warnings.js', import.meta.url).href;

/** Stderr of a Node process that installs the filter, then emits `warnings` ([message, type]). */
function stderrOf(warnings: [string, string][]): string {
  const code = `const m = await import(${JSON.stringify(MODULE)}); m.dropSqliteExperimentalWarning();
for (const [message, type] of ${JSON.stringify(warnings)}) process.emitWarning(message, type);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stderr;
}

it("the CLI does not print Node 22's SQLite ExperimentalWarning, and prints every other warning as before", () => {
  const sqlite = 'SQLite is an experimental feature and might change at any time';
  const stderr = stderrOf([
    [sqlite, 'ExperimentalWarning'],
    ['some other feature is experimental', 'ExperimentalWarning'],
    ['x is deprecated', 'DeprecationWarning'],
  ]);
  assert.doesNotMatch(stderr, /SQLite/);
  assert.match(stderr, /ExperimentalWarning: some other feature is experimental/);
  assert.match(stderr, /DeprecationWarning: x is deprecated/);
});
