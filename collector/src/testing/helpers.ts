/**
 * Test support for the collector's own tests (excluded from the build): a silent logger, a
 * component that records what it receives, a service on an ephemeral loopback port, and the
 * real OTLP exporters.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@breakwater/protocol';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { BreakerStatePoint, CollectorComponent, Logger } from '../component.ts';
import { parseConfig } from '../config/load.ts';
import type { SpanRecord } from '../decode/span-record.ts';
import { CollectorService, type ComponentFactory } from '../service.ts';
import { silentLogger } from '../silent-logger.ts';

export { silentLogger };

/** A component that keeps every span and breaker point it receives. */
export interface Recorder extends CollectorComponent {
  spans: SpanRecord[];
  points: BreakerStatePoint[];
  /** When set, the span sink throws this. */
  fail: Error | undefined;
  /** When set, the span sink waits for it before resolving. */
  gate: Promise<void> | undefined;
}

export function createRecorder(): Recorder {
  const recorder: Recorder = {
    name: 'recorder',
    spans: [],
    points: [],
    fail: undefined,
    gate: undefined,
    spanSink: async (spans) => {
      if (recorder.gate !== undefined) await recorder.gate;
      if (recorder.fail !== undefined) throw recorder.fail;
      recorder.spans.push(...spans);
    },
    breakerStateSink: (points) => {
      recorder.points.push(...points);
    },
  };
  return recorder;
}

export interface TestService {
  service: CollectorService;
  recorder: Recorder;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the service on 127.0.0.1:0 with a temp data dir, a {@link Recorder} as its only span
 * consumer (unless `components` is given) and `yaml` merged into the configuration.
 */
export async function startTestService(
  yaml = '',
  options: { components?: ComponentFactory[]; clock?: Clock; fetch?: typeof fetch; logger?: Logger } = {},
): Promise<TestService> {
  const dir = await mkdtemp(join(tmpdir(), 'breakwater-test-'));
  const config = parseConfig({ name: 'test.yaml', text: yaml }, process.env, [
    (doc) => {
      doc.listen ??= '127.0.0.1:0';
      doc.dataDir = dir;
    },
  ]);
  const recorder = createRecorder();
  const service = await CollectorService.start({
    config,
    logger: options.logger ?? silentLogger,
    clock: options.clock,
    components: options.components ?? [() => recorder],
    fetch: options.fetch,
  });
  return {
    service,
    recorder,
    url: service.url,
    async close() {
      await service.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends spans through the real OTLP/HTTP exporter (`proto` or `json`); resolves its result code. */
export async function exportWith(
  encoding: 'proto' | 'json',
  baseUrl: string,
  spans: ReadableSpan[],
  headers: Record<string, string> = {},
  compression?: 'gzip' | 'none',
): Promise<{ code: number; error?: Error | undefined }> {
  const options = {
    url: `${baseUrl}/v1/traces`,
    headers,
    timeoutMillis: 10_000,
    ...(compression === undefined ? {} : { compression: compression as never }),
  };
  const exporter = encoding === 'proto' ? new ProtoExporter(options) : new HttpJsonExporter(options);
  try {
    return await new Promise((resolve) => {
      exporter.export(spans as never, (result) => resolve({ code: result.code, error: result.error }));
    });
  } finally {
    await exporter.shutdown();
  }
}

/** POSTs a body with fetch; returns status, headers and the raw response bytes. */
export async function post(
  url: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const response = await fetch(url, { method: 'POST', body, headers });
  return {
    status: response.status,
    headers: response.headers,
    body: new Uint8Array(await response.arrayBuffer()),
  };
}
