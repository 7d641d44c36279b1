import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { ClassifierRule } from '@breakwater/instrumentation';
import { type Breakwater, start } from './index.ts';

let bw: Breakwater | undefined;

after(async () => {
  await bw?.shutdown();
});

it('classifierRules that fail their check are logged; start() runs on with its policies and the built-in classification', async () => {
  const logged: string[] = [];
  bw = start({
    serviceName: 'bad-classifier-rules',
    endpoint: 'http://127.0.0.1:9', // never reached: nothing is exported in this test
    control: false,
    handleSignals: false,
    logger: (m) => logged.push(m),
    policies: [{ match: 'tool/*', policy: { retry: { maxAttempts: 2 } } }],
    classifierRules: [
      { classify: { category: 'validation' } },
      { message: 'bad input', classify: { category: 'validation' } },
    ] as unknown as ClassifierRule[],
  });
  assert.deepEqual(logged, [
    'classifierRules refused, running with the built-in classification only: invalid classifier rules:\n' +
      '  classifierRules[0]: needs at least one of instanceOf, when, message (or a classify function)\n' +
      '  classifierRules[1].message: must be a RegExp (got "bad input")',
  ]);
  // The good part stands.
  const retry = bw.runtime?.policies.resolve('tool/search').retry;
  assert.equal(retry === false ? undefined : retry?.maxAttempts, 2);
  assert.equal(bw.runtime?.guard.classify(new Error('x'), 'tool/search').category, 'tool_error');
});
