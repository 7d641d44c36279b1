/**
 * `agent(name, fn)`: an `invoke_agent {name}` span around a unit of agent work, active while it
 * runs, so a trace reads agent → LLM operation → attempts → tools, and a
 * `gen_ai.invoke_agent.duration` point for it. No resilience policy applies to the agent itself
 * (its LLM and tool calls have their own).
 */

import { isFunction, isString, SEMCONV, type ValueCheck } from '@breakwater/protocol';
import { type Attributes, context, createContextKey, SpanKind, trace } from '@opentelemetry/api';
import { checkDefinition } from './definition-checks.ts';
import { failureOf } from './failed-operations.ts';
import { agentToolMetrics } from './metrics.ts';
import { getRuntime, type Runtime } from './runtime.ts';
import { setFailure } from './span-attributes.ts';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.ts';
import { likeWrapped, type WrappedFunction } from './wrapper-identity.ts';

/** Options of {@link agent}. */
export interface AgentOptions<A extends unknown[] = unknown[]> {
  /**
   * `gen_ai.provider.name` of the model behind the agent (`openai`, `anthropic`, ...). The GenAI
   * conventions require it on `invoke_agent` spans; set it whenever the agent has one provider.
   */
  readonly provider?: string;
  /** `gen_ai.agent.id`. */
  readonly id?: string;
  /** `gen_ai.agent.description`. */
  readonly description?: string;
  /** `gen_ai.agent.version`. */
  readonly version?: string;
  /** Reads `gen_ai.conversation.id` (session, thread) from the call's arguments, when there is one. */
  readonly conversationId?: (...args: A) => string | undefined;
}

/** Every option of {@link agent} and what it must be. */
const AGENT_OPTIONS: Readonly<Record<keyof AgentOptions, ValueCheck>> = {
  provider: isString,
  id: isString,
  description: isString,
  version: isString,
  conversationId: isFunction,
};

const AGENT_NAME = createContextKey('breakwater.agent.name');

/** The name of the innermost {@link agent} running now, for the tools it runs (their metrics say it). */
export function runningAgentName(): string | undefined {
  return context.active().getValue(AGENT_NAME) as string | undefined;
}

/**
 * Wraps `fn` so every call runs inside an `invoke_agent {name}` span (reach it with
 * `trace.getActiveSpan()` to add attributes), and records its duration in
 * `gen_ai.invoke_agent.duration` (with `gen_ai.agent.name`, and `error.type` when it throws).
 * Called as a method, it passes its object on to `fn` as `this`, and keeps `fn`'s `this` type.
 *
 * @throws TypeError when `name` is not a non-empty string, `fn` not a function, or an option
 * unknown (a misspelling) or of the wrong type, each named.
 */
export function agent<A extends unknown[], R, T = unknown>(
  name: string,
  fn: (this: T, ...args: A) => R | Promise<R>,
  options: AgentOptions<A> = {},
): WrappedFunction<A, R, T> {
  checkDefinition('agent', name, fn, options, AGENT_OPTIONS);
  const metricAttributes = Object.freeze({ [SEMCONV.GEN_AI_AGENT_NAME]: name });
  const wrapped = async function (this: T, ...args: A): Promise<R> {
    const runtime = getRuntime();
    const started = runtime.clock.monotonic();
    const tracer = trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
    const attributes: Record<string, string> = {
      [SEMCONV.GEN_AI_OPERATION_NAME]: 'invoke_agent',
      [SEMCONV.GEN_AI_AGENT_NAME]: name,
    };
    if (options.provider !== undefined) attributes[SEMCONV.GEN_AI_PROVIDER_NAME] = options.provider;
    if (options.id !== undefined) attributes[SEMCONV.GEN_AI_AGENT_ID] = options.id;
    if (options.description !== undefined) attributes[SEMCONV.GEN_AI_AGENT_DESCRIPTION] = options.description;
    if (options.version !== undefined) attributes[SEMCONV.GEN_AI_AGENT_VERSION] = options.version;
    const conversation = conversationOf(options, args);
    if (conversation !== undefined) attributes[SEMCONV.GEN_AI_CONVERSATION_ID] = conversation;
    const span = tracer.startSpan(`invoke_agent ${name}`, { kind: SpanKind.INTERNAL, attributes });
    const running = trace.setSpan(context.active(), span).setValue(AGENT_NAME, name);
    let metricPoint: Attributes = metricAttributes;
    try {
      // Success leaves the status unset: OTel reserves OK for an application's own explicit say.
      return await context.with(running, fn, this, ...args);
    } catch (error) {
      const c = failureOf(error) ?? runtime.guard.classify(error);
      setFailure(span, c, error, true);
      metricPoint = { ...metricAttributes, [SEMCONV.ERROR_TYPE]: c.errorType };
      throw error;
    } finally {
      span.end();
      recordDuration(runtime, started, metricPoint);
    }
  };
  // `wrapped` is `(this: T, ...args: A) => Promise<R>`; the cast only drops a `this: unknown`.
  return likeWrapped(wrapped, fn) as WrappedFunction<A, R, T>;
}

/** The agent's `gen_ai.invoke_agent.duration` point; telemetry never changes the agent's outcome. */
function recordDuration(runtime: Runtime, started: number, attributes: Attributes): void {
  try {
    agentToolMetrics().agentDuration.record((runtime.clock.monotonic() - started) / 1000, attributes);
  } catch {
    // A throwing clock or meter costs the point, never the agent's result or error.
  }
}

function conversationOf<A extends unknown[]>(options: AgentOptions<A>, args: A): string | undefined {
  try {
    const id: unknown = options.conversationId?.(...args);
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
