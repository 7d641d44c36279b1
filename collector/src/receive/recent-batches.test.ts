import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpanRecord } from '../decode/span-record.ts';
import { batchKey, RecentBatches } from './recent-batches.ts';

const span = (traceId: string, spanId: string) => ({ traceId, spanId }) as SpanRecord;

describe('batchKey', () => {
  it('names a batch by its size and its first and last spans; none for no spans', () => {
    const a = span('a'.repeat(32), '1'.repeat(16));
    const b = span('b'.repeat(32), '2'.repeat(16));
    assert.equal(batchKey([]), undefined);
    assert.equal(batchKey([a, b]), batchKey([a, b]));
    assert.notEqual(batchKey([a, b]), batchKey([b, a]));
    assert.notEqual(batchKey([a, b]), batchKey([a, a, b]));
  });
});

describe('RecentBatches', () => {
  it('refuses a batch recorded before; a batch that failed can be recorded again', async () => {
    const recent = new RecentBatches();
    const first = await recent.claim('k');
    assert.ok(first);
    first(false);
    const retry = await recent.claim('k');
    assert.ok(retry, 'a failed batch is not a duplicate');
    retry(true);
    assert.equal(await recent.claim('k'), undefined);
    assert.ok(await recent.claim('other'));
  });

  it('holds a resend while its original is being recorded, and answers by its outcome', async () => {
    const recent = new RecentBatches();
    const original = (await recent.claim('k'))!;
    let resend: unknown = 'waiting';
    const waiting = recent.claim('k').then((settle) => {
      resend = settle;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(resend, 'waiting');
    original(true);
    await waiting;
    assert.equal(resend, undefined, 'recorded by the original: a duplicate');

    const failing = (await recent.claim('f'))!;
    const second = recent.claim('f');
    failing(false);
    assert.equal(typeof (await second), 'function', 'the original failed: the resend records it');
  });

  it('remembers the most recent batches only, oldest forgotten first', async () => {
    const recent = new RecentBatches(2);
    for (const key of ['a', 'b', 'c']) (await recent.claim(key))!(true);
    assert.equal(recent.size, 2);
    assert.ok(await recent.claim('a'), 'forgotten');
    assert.equal(await recent.claim('c'), undefined);
  });
});
