/**
 * Realistic GenAI spans made with the real OpenTelemetry SDK: `services` services, LLM and tool
 * calls with the semantic-convention and `breakwater.*` attributes the SDK sets, ~5% errors.
 * Shared by the benchmark and the decoder tests.
 */

import { ATTR, SEMCONV } from '@breakwater/protocol';
import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

const MODELS = [
  ['openai', 'gpt-4o', 'api.openai.com'],
  ['openai', 'gpt-4o-mini', 'api.openai.com'],
  ['anthropic', 'claude-sonnet-4-5', 'api.anthropic.com'],
] as const;
const TOOLS = ['search_web', 'fetch_page', 'run_sql'] as const;
const ERRORS = [
  ['rate_limited', 'dependency', true, '429'],
  ['overloaded', 'dependency', true, '529'],
  ['timeout', 'dependency', true, 'timeout'],
  ['validation', 'caller', false, '400'],
] as const;

/** Deterministic pseudo-random numbers, so every run builds the same bytes. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

export interface GenAiSpanOptions {
  spans: number;
  services: number;
  errorRatio?: number;
  /** Epoch ms of the first span's start. */
  startMs?: number;
  seed?: number;
}

/** Creates the spans (finished, exported to memory) and returns them grouped by service. */
export async function makeGenAiSpans(options: GenAiSpanOptions): Promise<ReadableSpan[]> {
  const random = lcg(options.seed ?? 42);
  const errorRatio = options.errorRatio ?? 0.05;
  const startMs = options.startMs ?? 1_700_000_000_000;
  const out: ReadableSpan[] = [];
  const perService = Math.ceil(options.spans / options.services);
  for (let s = 0; s < options.services && out.length < options.spans; s++) {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({
        [SEMCONV.SERVICE_NAME]: `agent-${s}`,
        [SEMCONV.SERVICE_VERSION]: `1.${s}.0`,
        [SEMCONV.SERVICE_INSTANCE_ID]: `agent-${s}-pod-${s * 7}`,
        'deployment.environment.name': 'production',
        'telemetry.sdk.language': 'nodejs',
        'telemetry.sdk.name': 'opentelemetry',
        'host.name': `node-${s % 3}`,
      }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer('@breakwater/instrumentation', '0.1.0');
    const count = Math.min(perService, options.spans - out.length);
    for (let i = 0; i < count; i++) {
      const t0 = startMs + (s * perService + i) * 10;
      const failed = random() < errorRatio;
      const isTool = random() < 0.25;
      const attributes: Attributes = {};
      let name: string;
      if (isTool) {
        const tool = TOOLS[Math.floor(random() * TOOLS.length)]!;
        name = `execute_tool ${tool}`;
        attributes[SEMCONV.GEN_AI_OPERATION_NAME] = 'execute_tool';
        attributes[SEMCONV.GEN_AI_TOOL_NAME] = tool;
        attributes[SEMCONV.GEN_AI_TOOL_CALL_ID] = `call_${Math.floor(random() * 1e9).toString(36)}`;
        attributes[SEMCONV.GEN_AI_TOOL_TYPE] = 'function';
        attributes[ATTR.DEPENDENCY] = `tool/${tool}`;
      } else {
        const [provider, model, host] = MODELS[Math.floor(random() * MODELS.length)]!;
        name = `chat ${model}`;
        attributes[SEMCONV.GEN_AI_OPERATION_NAME] = 'chat';
        attributes[SEMCONV.GEN_AI_PROVIDER_NAME] = provider;
        attributes[SEMCONV.GEN_AI_REQUEST_MODEL] = model;
        attributes[SEMCONV.GEN_AI_RESPONSE_MODEL] = `${model}-2025-01-01`;
        attributes[SEMCONV.GEN_AI_RESPONSE_ID] = `resp_${Math.floor(random() * 1e12).toString(36)}`;
        attributes[SEMCONV.GEN_AI_USAGE_INPUT_TOKENS] = Math.floor(random() * 4000);
        attributes[SEMCONV.GEN_AI_USAGE_OUTPUT_TOKENS] = Math.floor(random() * 800);
        attributes[SEMCONV.GEN_AI_RESPONSE_FINISH_REASONS] = ['stop'];
        attributes[SEMCONV.SERVER_ADDRESS] = host;
        attributes[SEMCONV.SERVER_PORT] = 443;
        attributes[ATTR.DEPENDENCY] = `${provider}/${model}`;
      }
      attributes[ATTR.ROLE] = 'operation';
      attributes[ATTR.RETRY_ATTEMPTS] = failed ? 3 : 1;
      attributes[ATTR.BREAKER_STATE] = 'closed';
      attributes[ATTR.BREAKER_SOURCE] = 'local';
      const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes, startTime: t0 });
      if (failed) {
        const [category, source, retryable, type] = ERRORS[Math.floor(random() * ERRORS.length)]!;
        span.setAttributes({
          [SEMCONV.ERROR_TYPE]: type,
          [ATTR.ERROR_CATEGORY]: category,
          [ATTR.ERROR_SOURCE]: source,
          [ATTR.ERROR_RETRYABLE]: retryable,
        });
        span.setStatus({ code: SpanStatusCode.ERROR, message: `${category} from dependency` });
      } else {
        span.setStatus({ code: SpanStatusCode.OK });
      }
      span.end(t0 + 50 + Math.floor(random() * 2000));
    }
    await provider.forceFlush();
    out.push(...exporter.getFinishedSpans());
    await provider.shutdown();
  }
  return out;
}
