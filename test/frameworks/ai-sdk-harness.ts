/**
 * What the AI SDK middleware tests share: spans into an in-memory exporter (with the context
 * manager the middleware's nesting needs), the process runtime configured with the file's
 * policies, a fault provider, and readers of one model's operation and attempt spans.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { configureBreakwater, type PolicyRule, type Runtime } from '@breakwater/instrumentation';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** The spans and fault provider of one test file. */
export interface AiSdkHarness {
  readonly exporter: InMemorySpanExporter;
  /** The fault provider, started before the file's tests. */
  readonly fp: FaultProvider;
  /** The process runtime, configured with the file's policies before its tests. */
  readonly runtime: Runtime;
  /** Breakwater's spans of `role`, of calls whose dependency names `model` (any model if none). */
  byRole(role: 'operation' | 'attempt', model?: string): ReadableSpan[];
  /** The one operation span of `model`, and its attempt spans (each checked to be its child). */
  operationOf(model: string): { op: ReadableSpan; attempts: ReadableSpan[] };
}

/** The value of attribute `key` of `span`. */
export const attr = (span: ReadableSpan, key: string): unknown => span.attributes[key];

/**
 * Registers the file's hooks: telemetry and `policies` before its tests, then `ready` with the
 * started fault provider (a file's own top-level `before` would run beside this one's, not after
 * it); a fresh exporter, fault scripts and request counts before each test; everything closed
 * after.
 */
export function aiSdkHarness(policies: PolicyRule[], ready: (fp: FaultProvider) => void): AiSdkHarness {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  let fp: FaultProvider | undefined;
  let runtime: Runtime | undefined;
  before(async () => {
    // The fault provider's model names are unknown to the AI SDK, which says so on every call.
    (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
    runtime = configureBreakwater({ policies });
    fp = await startFaultProvider();
    ready(fp);
  });
  after(async () => {
    await fp?.close();
    await tracerProvider.shutdown();
  });
  beforeEach(() => {
    exporter.reset();
    fp?.resetStats();
    fp?.clearFaults();
  });
  const byRole = (role: 'operation' | 'attempt', model?: string) =>
    exporter
      .getFinishedSpans()
      .filter(
        (s) =>
          attr(s, 'breakwater.role') === role &&
          (model === undefined || attr(s, 'breakwater.dependency')?.toString().endsWith(`/${model}`)),
      );
  return {
    exporter,
    get fp() {
      assert.ok(fp !== undefined, 'the fault provider starts before the tests');
      return fp;
    },
    get runtime() {
      assert.ok(runtime !== undefined, 'the runtime is configured before the tests');
      return runtime;
    },
    byRole,
    operationOf(model) {
      const ops = byRole('operation', model);
      assert.equal(ops.length, 1, `operation spans of ${model}`);
      const op = ops[0]!;
      const attempts = byRole('attempt', model);
      for (const a of attempts) assert.equal(a.parentSpanContext?.spanId, op.spanContext().spanId);
      return { op, attempts };
    },
  };
}
