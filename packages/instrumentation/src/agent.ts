/**
 * `agent(name, fn)`: an `invoke_agent {name}` span around a unit of agent work, active while it
 * runs, so a trace reads agent → LLM operation → attempts → tools. No resilience policy applies
 * to the agent itself (its LLM and tool calls have their own).
 */

import { SEMCONV } from '@breakwater/protocol';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { getRuntime } from './runtime.ts';
import { setFailure } from './span-attributes.ts';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.ts';

/** Options of {@link agent}. */
export interface AgentOptions {
  /** `gen_ai.agent.id`. */
  readonly id?: string;
  /** `gen_ai.agent.description`. */
  readonly description?: string;
}

/**
 * Wraps `fn` so every call runs inside an `invoke_agent {name}` span (reach it with
 * `trace.getActiveSpan()` to add attributes).
 */
export function agent<A extends unknown[], R>(
  name: string,
  fn: (...args: A) => R | Promise<R>,
  options: AgentOptions = {},
): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    const tracer = trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
    const attributes: Record<string, string> = {
      [SEMCONV.GEN_AI_OPERATION_NAME]: 'invoke_agent',
      [SEMCONV.GEN_AI_AGENT_NAME]: name,
    };
    if (options.id !== undefined) attributes[SEMCONV.GEN_AI_AGENT_ID] = options.id;
    if (options.description !== undefined) attributes[SEMCONV.GEN_AI_AGENT_DESCRIPTION] = options.description;
    const span = tracer.startSpan(`invoke_agent ${name}`, { kind: SpanKind.INTERNAL, attributes });
    try {
      // Success leaves the status unset: OTel reserves OK for an application's own explicit say.
      return await context.with(trace.setSpan(context.active(), span), () => fn(...args));
    } catch (error) {
      setFailure(span, getRuntime().guard.classify(error), error, true);
      throw error;
    } finally {
      span.end();
    }
  };
}
