import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { headerProblem } from './http-url.ts';

// The load-time check promises what fetch does on every request: a value it passes is sent, a
// value fetch refuses at send time (after the Headers object took it) is refused at load.
it('accepts exactly the header values fetch sends', async () => {
  const server = createServer((_req, res) => res.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const values = [
      'Bearer abc',
      'tab\tinside',
      'caf\u00e9',
      'trailing newline\n',
      'ctl\x01',
      'del\x7f',
      'unit\x1fsep',
    ];
    for (const value of values) {
      const sent = await fetch(url, { headers: { 'x-api-key': value } }).then(
        () => true,
        () => false,
      );
      assert.equal(headerProblem('x-api-key', value) === undefined, sent, JSON.stringify(value));
    }
  } finally {
    server.close();
  }
});
