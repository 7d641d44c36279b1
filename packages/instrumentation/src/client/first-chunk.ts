/**
 * `gen_ai.response.time_to_first_chunk` without the caller's own delay. The time runs from the
 * start of the operation, less the time between handing the stream to the caller and the caller's
 * first read: a chunk that arrived then was waiting for the caller, not for the provider.
 */
import { SEMCONV } from '@breakwater/protocol';
import type { GenAiMetrics } from '../metrics.ts';
import type { Operation } from '../operation.ts';

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
    const waitedForCaller = (this.firstRead ?? this.handedOver) - this.handedOver;
    const seconds = this.op.elapsedSeconds() - waitedForCaller;
    this.op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, seconds);
    this.metrics?.timeToFirstChunk.record(seconds, this.op.spec.sets.metric);
  }
}
