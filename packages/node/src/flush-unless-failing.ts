/**
 * The batch processors and metric reader of `start()`'s OTLP exports, whose `forceFlush` does not
 * wait on a collector that fails every export. A short-lived process flushes at the end of each
 * invocation (a Lambda handler's `await forceFlush()`); with the collector down, every flush would
 * wait out the export timeout and its retries (about 5 s by default) only to drop the data all the
 * same. While the signal's last export failed, its flush returns at once instead: what is buffered
 * stays queued (within the queue's bound) for the background export, which keeps trying and sends
 * it once the collector answers, and then flushes wait again. Shutdown still makes its last
 * attempt: it does not go through `forceFlush`. Subclasses, so a span or record costs nothing more.
 */
import { BatchLogRecordProcessor, type BatchLogRecordProcessorOptions } from '@opentelemetry/sdk-logs';
import {
  PeriodicExportingMetricReader,
  type PeriodicExportingMetricReaderOptions,
} from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type BatchSpanProcessorOptions } from '@opentelemetry/sdk-trace';
import type { ExportHealth } from './export-failures.ts';

/** A `BatchSpanProcessor` whose flush skips a failing export (see the file's comment). */
export class SpanBatches extends BatchSpanProcessor {
  private readonly health: ExportHealth;

  constructor(options: BatchSpanProcessorOptions, health: ExportHealth) {
    super(options);
    this.health = health;
  }

  override forceFlush(): Promise<void> {
    return this.health.failing ? Promise.resolve() : super.forceFlush();
  }
}

/** A `BatchLogRecordProcessor` whose flush skips a failing export (see the file's comment). */
export class LogBatches extends BatchLogRecordProcessor {
  private readonly health: ExportHealth;

  constructor(options: BatchLogRecordProcessorOptions, health: ExportHealth) {
    super(options);
    this.health = health;
  }

  override forceFlush(): Promise<void> {
    return this.health.failing ? Promise.resolve() : super.forceFlush();
  }
}

/** A `PeriodicExportingMetricReader` whose flush skips a failing export (see the file's comment). */
export class PeriodicMetrics extends PeriodicExportingMetricReader {
  private readonly health: ExportHealth;

  constructor(options: PeriodicExportingMetricReaderOptions, health: ExportHealth) {
    super(options);
    this.health = health;
  }

  // The reader's shutdown exports through `onForceFlush`, not this: it still makes its attempt.
  override forceFlush(options?: Parameters<PeriodicExportingMetricReader['forceFlush']>[0]): Promise<void> {
    return this.health.failing ? Promise.resolve() : super.forceFlush(options);
  }
}
