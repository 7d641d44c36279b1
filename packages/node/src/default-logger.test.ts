import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defaultLogger } from './default-logger.ts';

it('tags each line [breakwater] once, also a message worded for an app logger', (t) => {
  const lines: unknown[] = [];
  t.mock.method(console, 'warn', (line: unknown) => lines.push(line));
  defaultLogger('metricIntervalMs: must be a number');
  defaultLogger('breakwater control stream connected');
  assert.deepEqual(lines, [
    '[breakwater] metricIntervalMs: must be a number',
    '[breakwater] control stream connected',
  ]);
});
