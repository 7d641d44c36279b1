import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActiveSignalsSchema, type BreakerSignal, SIGNAL_EVENT } from '@breakwater/protocol';
import { sseEvent } from '../sse.ts';
import { snapshotEvents } from './snapshot-events.ts';

const signal = (n: number): BreakerSignal => ({
  id: `sig-${n}`,
  kind: 'breaker',
  dependency: `http/host-${n}.example.com`,
  state: 'open',
  ttlMs: 10_000,
  issuedAt: 1_700_000_000_000,
  reason: { errorRatio: 1, window: '60s', volume: 40, instances: 2, topErrorTypes: [] },
});

/** The events of an SSE text: `[id | undefined, event, data]`. */
function events(text: string): [string | undefined, string, string][] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      return [field('id'), field('event') ?? '', field('data') ?? ''];
    });
}

describe('snapshotEvents', () => {
  it('sends a snapshot that fits as one event, as any other', () => {
    const snapshot = { now: 5, signals: [signal(1), signal(2)] };
    assert.equal(snapshotEvents(snapshot, 's:7'), sseEvent(SIGNAL_EVENT.SNAPSHOT, 's:7', snapshot));
  });

  it('splits a larger one into parts within the size, in order, the id on the last part only', () => {
    const signals = Array.from({ length: 500 }, (_, i) => signal(i));
    const partBytes = 8_192;
    const parts = events(snapshotEvents({ now: 5, signals }, 's:7', partBytes));
    assert.ok(parts.length > 10, `${parts.length} parts`);
    const parsed = parts.map(([, type, data]) => {
      assert.equal(type, SIGNAL_EVENT.SNAPSHOT);
      assert.ok(Buffer.byteLength(data) <= partBytes, `${Buffer.byteLength(data)} bytes`);
      return ActiveSignalsSchema.parse(JSON.parse(data));
    });
    assert.deepEqual(
      parts.map(([id]) => id),
      [...parts.slice(1).map(() => undefined), 's:7'],
    );
    assert.deepEqual(
      parsed.map((p) => p.more),
      [...parsed.slice(1).map(() => true), undefined],
    );
    assert.ok(parsed.every((p) => p.now === 5));
    assert.deepEqual(
      parsed.flatMap((p) => p.signals),
      signals,
    );
  });

  it('an empty snapshot is one event', () => {
    assert.deepEqual(events(snapshotEvents({ now: 5, signals: [] }, 's:0', 10)), [
      ['s:0', SIGNAL_EVENT.SNAPSHOT, '{"now":5,"signals":[]}'],
    ]);
  });
});
