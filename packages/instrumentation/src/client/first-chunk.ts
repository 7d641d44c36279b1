/**
 * `gen_ai.response.time_to_first_chunk` without the caller's own delay. When the caller's first
 * read had to wait, the chunk arrived as the read returned: that is the time. When it returned at
 * once, the chunk was already waiting for a caller who started reading late: it arrived at some
 * point after the stream was handed over, which is the time taken (the earliest it can have been).
 */
import { SEMCONV } from '@breakwater/protocol';
import type { GenAiMetrics } from '../metrics.ts';
import type { Operation } from '../operation.ts';

/** A first read that returned sooner than this did not wait for the network. */
const WAITED_S = 0.001;

export class FirstChunkTimer {
  private readonly op: Operation;
  private readonly metrics: GenAiMetrics | undefined;
  /** When the stream was handed over, in seconds since the operation started. */
  private readonly handedOver: number;
  private firstRead: number | undefined;
  private recorded = false;

  constructor(op: Operation, metrics: GenAiMetrics | undefined) {
    this.op = op;
    this.metrics = metrics;
    this.handedOver = op.elapsedSeconds();
  }

  /** The caller asks for a chunk. */
  reading(): void {
    this.firstRead ??= this.op.elapsedSeconds();
  }

  /** A chunk arrived: the first one is recorded, on the span and the metric. */
  chunk(): void {
    if (this.recorded) return;
    this.recorded = true;
    const now = this.op.elapsedSeconds();
    const readWaited = now - (this.firstRead ?? this.handedOver) >= WAITED_S;
    const seconds = readWaited ? now : this.handedOver;
    this.op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, seconds);
    this.metrics?.timeToFirstChunk.record(seconds, this.op.spec.sets.metric);
  }
}
