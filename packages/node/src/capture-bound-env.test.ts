import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { DEFAULT_CAPTURE_MAX_BYTES } from '@breakwater/instrumentation';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { type Breakwater, start } from './index.ts';

let bw: Breakwater | undefined;
after(() => bw?.shutdown());

it('a BREAKWATER_CAPTURE_MAX_BYTES that is not a positive integer is logged like the other variables, not only to diag', () => {
  const diagnosed: string[] = [];
  diag.setLogger(
    { warn: (m: string) => diagnosed.push(m), error() {}, info() {}, debug() {}, verbose() {} },
    DiagLogLevel.WARN,
  );
  process.env.BREAKWATER_CAPTURE_MAX_BYTES = '32KiB';
  const logged: string[] = [];
  bw = start({
    serviceName: 'bad-capture-bound-env',
    endpoint: 'http://127.0.0.1:9', // never reached: nothing is exported in this test
    control: false,
    handleSignals: false,
    logger: (m) => logged.push(m),
  });
  assert.deepEqual(logged, ['BREAKWATER_CAPTURE_MAX_BYTES=32KiB: not a positive integer; ignored']);
  assert.equal(bw.runtime?.contentCapture.maxBytes, DEFAULT_CAPTURE_MAX_BYTES);
  assert.deepEqual(
    diagnosed.filter((m) => m.includes('BREAKWATER_CAPTURE_MAX_BYTES')),
    [],
    'said once, where the app looks',
  );
});
