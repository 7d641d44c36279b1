/**
 * Two copies of `@breakwater/resilience` in one process: an app bundled with its own (esbuild)
 * and run under `--import @breakwater/node/register`, whose copy in node_modules patched the
 * clients and runs the breakers; or a dependency pinning another version. A refusal one copy
 * throws must read as a refusal to the other: `refusalOf()`, `instanceof CircuitOpenError` (what
 * the README's example checks) and the classifier (a refused call inside a `tool()` is a policy
 * refusal, not the tool's failure).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as here from '@breakwater/resilience';
import { REPO_ROOT } from '../harness/process.ts';
import { bundle } from './bundle.ts';

let work: string;
let other: typeof here;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'bw-two-copies-'));
  await symlink(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  const out = await bundle('resilience-copy.mjs', work, 'resilience-copy.mjs', { format: 'esm' });
  other = (await import(pathToFileURL(out).href)) as typeof here;
  assert.notEqual(other.CircuitOpenError, here.CircuitOpenError, 'not a second copy');
});
after(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

for (const [thrower, reader] of [
  ['the bundled copy', 'node_modules'],
  ['node_modules', 'the bundled copy'],
] as const) {
  it(`a refusal thrown by ${thrower} is a refusal to ${reader}'s refusalOf(), instanceof and classifier`, () => {
    const [made, read] = thrower === 'node_modules' ? [here, other] : [other, here];
    const open = new made.CircuitOpenError('openai/chat/gpt', 'open', 'fleet', 1_000);
    assert.ok(open instanceof read.CircuitOpenError);
    assert.ok(open instanceof read.ResilienceError);
    assert.ok(!(open instanceof read.BulkheadFullError));
    assert.equal(read.refusalOf(open), open);
    // An instrumented client's own error, carrying the refusal (what the app catches).
    const clientError = made.markRefused(new Error('Connection error.'), open);
    assert.equal(read.refusalOf(clientError), open);
    const full = new made.BulkheadFullError('tool/search', 'full');
    assert.ok(full instanceof read.BulkheadFullError);
    assert.ok(!(full instanceof read.CircuitOpenError));
    const classifier = new read.Classifier();
    assert.deepEqual(
      [classifier.classify(clientError).category, classifier.classify(clientError).source],
      ['circuit_open', 'policy'],
    );
    assert.equal(classifier.classify(full).category, 'bulkhead_full');
  });
}

it('errors that are not refusals stay apart: a plain error, and a class of its own that extends a refusal', () => {
  assert.equal(here.refusalOf(new Error('circuit open')), undefined);
  assert.ok(!(new Error('x') instanceof other.ResilienceError));
  assert.ok(!(Object.create(null) instanceof other.ResilienceError));
  class Degraded extends other.CircuitOpenError {}
  const degraded = new Degraded('tool/x', 'open', 'local');
  assert.ok(degraded instanceof Degraded);
  assert.ok(degraded instanceof here.CircuitOpenError);
  // A class of the app's own is known by its identity only.
  assert.ok(!(new here.CircuitOpenError('tool/x', 'open', 'local') instanceof Degraded));
});
