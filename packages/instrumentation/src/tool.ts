/**
 * `tool(name, fn, options)`: wraps a tool function so each call is an `execute_tool {name}`
 * operation span running through the tool's own resilience pipeline (`tool/{name}` dependency).
 * The tool's own exceptions classify as `tool_error`; timeouts and refusals keep their category.
 */

import { dependencyKey, SEMCONV } from '@breakwater/protocol';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AttributeSets } from './attribute-sets.ts';
import { json } from './client/describe.ts';
import { Operation } from './operation.ts';
import type { DependencyPolicy, PolicyOverrides } from './policies.ts';
import { getRuntime, type Runtime } from './runtime.ts';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.ts';

/** Options of {@link tool}. */
export interface ToolOptions<A extends unknown[]> {
  /** Reads the model's tool-call id from the arguments, for `gen_ai.tool.call.id`. */
  readonly callId?: (...args: A) => string | undefined;
  /** `gen_ai.tool.type`; defaults to `function`. */
  readonly type?: 'function' | 'extension' | 'datastore';
  /** Policy overrides for this tool, applied over the `tool/*` defaults and matching rules. */
  readonly policy?: PolicyOverrides;
  /** Runtime to use; defaults to the process-wide one at call time. */
  readonly runtime?: Runtime;
}

/** A wrapped tool: same arguments, always async, with its name attached. */
export type Tool<A extends unknown[], R> = ((...args: A) => Promise<R>) & { readonly toolName: string };

/**
 * Wraps `fn` as a Breakwater tool. A tool that times out is abandoned (its promise is no longer
 * awaited) and the call fails with category `timeout`.
 *
 * @example
 * const search = tool('search_web', async (args: { q: string }) => fetchResults(args.q), {
 *   callId: (args) => args.id,
 * });
 */
export function tool<A extends unknown[], R>(
  name: string,
  fn: (...args: A) => R | Promise<R>,
  options: ToolOptions<A> = {},
): Tool<A, R> {
  const dependency = dependencyKey({ toolName: name }) ?? `tool/${name}`;
  const spanName = `execute_tool ${name}`;
  const metricAttributes = {
    [SEMCONV.GEN_AI_OPERATION_NAME]: 'execute_tool',
    [SEMCONV.GEN_AI_TOOL_NAME]: name,
  };
  const sets = new AttributeSets(metricAttributes);
  // Resolved once per runtime, so every call of this tool shares one policy object.
  let resolved: { runtime: Runtime; policy: DependencyPolicy } | undefined;
  const wrapped = async (...args: A): Promise<R> => {
    const runtime = options.runtime ?? getRuntime();
    if (resolved?.runtime !== runtime) {
      resolved = { runtime, policy: runtime.policies.resolveWith(dependency, options.policy) };
    }
    const policy = resolved.policy;
    const tracer = trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
    const attributes: Record<string, string> = { [SEMCONV.GEN_AI_TOOL_TYPE]: options.type ?? 'function' };
    const callId = safe(() => options.callId?.(...args));
    if (callId !== undefined) attributes[SEMCONV.GEN_AI_TOOL_CALL_ID] = callId;
    if (runtime.captureMessageContent) {
      const text = json(args);
      if (text !== undefined) attributes[SEMCONV.GEN_AI_TOOL_CALL_ARGUMENTS] = text;
    }
    const op = new Operation(
      runtime,
      { tracer, metrics: undefined },
      {
        spanName,
        dependency,
        provider: undefined,
        sets,
        requestAttributes: attributes,
        kind: SpanKind.INTERNAL,
        attemptSpans: true,
      },
      context.active(),
    );
    const pipeline = runtime.guard.pipeline(dependency, policy, 'pipeline');
    const value = await op.run<R>(pipeline, async () => fn(...args), {
      input: args,
      adaptFallback: identity,
    });
    if (runtime.captureMessageContent) {
      const text = json(value);
      if (text !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_TOOL_CALL_RESULT, text);
    }
    op.succeed();
    return value;
  };
  return Object.assign(wrapped, { toolName: name });
}

const identity = (value: unknown): unknown => value;

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
