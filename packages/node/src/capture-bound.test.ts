import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { DEFAULT_CAPTURE_MAX_BYTES } from '@breakwater/instrumentation';
import { type Breakwater, start } from './index.ts';

let bw: Breakwater | undefined;
after(() => bw?.shutdown());

it('a captureMaxBytes that fails its check is logged; start() runs on with the default bound', () => {
  const logged: string[] = [];
  bw = start({
    serviceName: 'bad-capture-bound',
    endpoint: 'http://127.0.0.1:9', // never reached: nothing is exported in this test
    control: false,
    handleSignals: false,
    logger: (m) => logged.push(m),
    captureMessageContent: true,
    captureMaxBytes: -1,
  });
  assert.deepEqual(logged, [
    'captureMaxBytes: must be an integer of at least 1 (got -1); ignored (BREAKWATER_CAPTURE_MAX_BYTES or the default bound applies)',
  ]);
  assert.equal(bw.runtime?.captureMessageContent, true);
  assert.equal(bw.runtime?.contentCapture.maxBytes, DEFAULT_CAPTURE_MAX_BYTES);
});
