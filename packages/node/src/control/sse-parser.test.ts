import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SseEvent, SseOverflowError, SseParser } from './sse-parser.ts';

function parse(chunks: string[], maxBytes?: number): { events: SseEvent[]; retries: number[] } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = new SseParser(
    { onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms) },
    maxBytes,
  );
  for (const c of chunks) parser.push(c);
  return { events, retries };
}

describe('SseParser', () => {
  it('dispatches on blank lines with event type, joined data and the persisting last id', () => {
    const { events } = parse(['id: 1\nevent: signal\ndata: {"a":\ndata: 1}\n\n', 'data: plain\n\n']);
    assert.deepEqual(events, [
      { type: 'signal', data: '{"a":\n1}', lastEventId: '1' },
      { type: 'message', data: 'plain', lastEventId: '1' },
    ]);
  });

  it('accepts LF, CR and CRLF line ends, also split across chunks, and skips a leading BOM', () => {
    const { events } = parse(['\uFEFFdata: a\r', '\n\r', '\ndata: b\r\rdata:c\n', '\n']);
    assert.deepEqual(
      events.map((e) => e.data),
      ['a', 'b', 'c'],
    );
  });

  it('pairs a CR ending one chunk with an LF after an empty chunk (one line end, not two)', () => {
    // A body chunk may decode to nothing (an empty chunk): it must not forget the pending CR, or
    // the LF after it reads as a blank line and dispatches the event half-way.
    const { events } = parse(['data: a\r', '', '\ndata: b\r\n\r\n']);
    assert.deepEqual(
      events.map((e) => e.data),
      ['a\nb'],
    );
  });

  it('ignores comments, unknown fields, ids with NUL and non-numeric retry; reports retry', () => {
    const { events, retries } = parse([
      ': heartbeat\n\n',
      'foo: bar\nid: a\u0000b\nretry: soon\nretry: 2500\ndata\n\n',
    ]);
    assert.deepEqual(events, [{ type: 'message', data: '', lastEventId: '' }]);
    assert.deepEqual(retries, [2500]);
  });

  it('does not dispatch an event without data (a bare id or retry block)', () => {
    const { events } = parse(['id: 7\nevent: signal\n\n', 'data: x\n\n']);
    assert.deepEqual(events, [{ type: 'message', data: 'x', lastEventId: '7' }]);
  });

  it('throws on an unbounded line or event', () => {
    assert.throws(() => parse(['data: '.padEnd(200, 'x')], 100), SseOverflowError);
    assert.throws(() => parse(['data: 1234567890\n'.repeat(20)], 100), SseOverflowError);
  });
});
