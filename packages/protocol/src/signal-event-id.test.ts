import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSignalEventId, parseSignalEventId, signalEventStream } from './signal-event-id.ts';

describe('signal event ids', () => {
  it('round-trips a position within its own collector run only', () => {
    const id = formatSignalEventId('a1b2c3d4', 42);
    assert.equal(id, 'a1b2c3d4:42');
    assert.equal(parseSignalEventId('a1b2c3d4', id), 42);
    assert.equal(parseSignalEventId('ffffffff', id), undefined, 'another run');
    assert.equal(signalEventStream(id), 'a1b2c3d4');
  });

  it('rejects ids that are not in the format', () => {
    for (const id of [
      undefined,
      '',
      '42',
      ':42',
      'a1b2c3d4:',
      'a1b2c3d4:-1',
      'a1b2c3d4:1e3',
      'a1b2c3d4:1234567890123456',
    ]) {
      assert.equal(parseSignalEventId('a1b2c3d4', id), undefined, String(id));
    }
    assert.equal(signalEventStream('42'), undefined);
    assert.equal(signalEventStream(':42'), undefined);
  });
});
