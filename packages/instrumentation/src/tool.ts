/**
 * `tool(name, fn, options)`: wraps a tool function so each call is an `execute_tool {name}`
 * operation span running through the tool's own resilience pipeline (`tool/{name}` dependency),
 * with a `gen_ai.execute_tool.duration` point. The tool's own exceptions classify as
 * `tool_error`; timeouts and refusals keep their category.
 */

import { dependencyKey, isFunction, isString, oneOf, SEMCONV, type ValueCheck } from '@breakwater/protocol';
import type { CallContext } from '@breakwater/resilience';
import { context, createContextKey, diag, SpanKind, trace } from '@opentelemetry/api';
import { runningAgentName } from './agent.ts';
import { AttributeSets } from './attribute-sets.ts';
import { memoized } from './bounded-memo.ts';
import { setBounded } from './client/content.ts';
import { type CapturedJson, json } from './client/describe.ts';
import { checkDefinition } from './definition-checks.ts';
import { agentToolMetrics } from './metrics.ts';
import { Operation } from './operation.ts';
import type { CallData } from './pipeline-options.ts';
import type { DependencyPolicy, FallbackSettings, PolicyOverrides } from './policies.ts';
import { validatePolicyOverrides } from './policy-validation.ts';
import { getRuntime, type Runtime } from './runtime.ts';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.ts';
import { likeWrapped, type WrappedFunction } from './wrapper-identity.ts';

/** `gen_ai.tool.type` values a tool may declare. */
const TOOL_TYPES = ['function', 'extension', 'datastore'] as const;
/** A `gen_ai.tool.type`. */
export type ToolType = (typeof TOOL_TYPES)[number];

/**
 * Options of {@link tool} for a tool taking `A` and returning `R`. `R` types a fallback's value;
 * options declared apart from the call with a fallback in them name it (`ToolOptions<[string],
 * number>`).
 */
export interface ToolOptions<A extends unknown[], R = never> {
  /** Reads the model's tool-call id from the arguments, for `gen_ai.tool.call.id`. */
  readonly callId?: (...args: A) => string | undefined;
  /** `gen_ai.tool.description`, what the tool does (as offered to the model). */
  readonly description?: string;
  /** `gen_ai.tool.type`; defaults to `function`. */
  readonly type?: ToolType;
  /**
   * Policy overrides for this tool, applied over the `tool/*` defaults and matching rules. A
   * fallback gets the tool's arguments as its `input` and answers in place of the tool, so it
   * must return what the tool returns.
   */
  readonly policy?: ToolPolicyOverrides<A, R>;
  /** Runtime to use; defaults to the process-wide one at call time. */
  readonly runtime?: Runtime;
}

/** Every option of {@link tool} and what it must be (`policy` is checked field by field after). */
const TOOL_OPTIONS: Readonly<Record<keyof ToolOptions<unknown[]>, ValueCheck>> = {
  callId: isFunction,
  description: isString,
  type: oneOf(TOOL_TYPES),
  policy: () => undefined,
  runtime: (v) =>
    typeof v === 'object' && v !== null && 'guard' in v && 'policies' in v
      ? undefined
      : 'must be a Runtime (from createRuntime or configureBreakwater)',
};

/** {@link PolicyOverrides} for a tool taking `A` and returning `R`: its fallback is typed by them. */
export type ToolPolicyOverrides<A extends unknown[], R> = Omit<PolicyOverrides, 'fallback'> & {
  readonly fallback?: FallbackSettings<A, NoInfer<R>> | false;
};

/**
 * A wrapped tool: same arguments, and the same `this` type `T` when `fn` declared one, always
 * async, with its name attached.
 */
export type Tool<A extends unknown[], R, T = unknown> = WrappedFunction<A, R, T> & {
  readonly toolName: string;
};

/** The running tool attempt, kept in the OpenTelemetry context for {@link toolSignal}. */
interface ToolAttempt {
  readonly call: CallContext<CallData>;
  readonly attempt: number;
}

const TOOL_ATTEMPT = createContextKey('breakwater.tool.attempt');

/**
 * The abort signal of the tool attempt running now, to hand on to what the tool does (`fetch`,
 * a database query, a child process) so that work stops when Breakwater stops waiting for it.
 * It aborts when the attempt's timeout passes (the call has then already failed, or moved on to
 * a retry, with category `timeout`). Once a later attempt has started, or a fallback answers for
 * the call, an earlier attempt gets an already aborted signal. Outside a tool it is `undefined`.
 * The signal is created on first read: tools that never ask pay nothing for it.
 *
 * @example
 * const lookup = tool('lookup', async (id: string) => {
 *   const res = await fetch(`http://inventory.local/items/${id}`, { signal: toolSignal() ?? null });
 *   return res.json();
 * });
 */
export function toolSignal(): AbortSignal | undefined {
  const running = context.active().getValue(TOOL_ATTEMPT) as ToolAttempt | undefined;
  if (running === undefined) {
    if (!contextWarned && !contextPropagates()) warnNoContextManager();
    return undefined;
  }
  const { call } = running;
  // Past this attempt: a later one started, or a fallback answers for the call. The pipeline
  // clears the call's deadlines for its fallback, so `call.signal` would then be a fresh one that
  // never aborts, handed to an attempt abandoned at its deadline and still running.
  if (call.attempt !== running.attempt || call.data.fallbackCause !== undefined) return AbortSignal.abort();
  return call.signal;
}

/** Process warning code for {@link toolSignal} read where no context manager carries it. */
export const NO_CONTEXT_MANAGER_WARNING = 'BREAKWATER_NO_CONTEXT_MANAGER';

let contextWarned = false;
const PROBE = createContextKey('breakwater.context.probe');

/** Whether the OpenTelemetry context API has a context manager (the no-op one forgets values). */
function contextPropagates(): boolean {
  return context.with(
    context.active().setValue(PROBE, true),
    () => context.active().getValue(PROBE) === true,
  );
}

/**
 * Without a context manager `toolSignal()` is `undefined` even inside a tool (and spans do not
 * nest): said once, since the tool's work then runs on past its timeout without a word.
 */
function warnNoContextManager(): void {
  contextWarned = true;
  const message =
    'toolSignal() found no OpenTelemetry context manager, so it cannot see the running tool and ' +
    'returns undefined (and spans do not nest). Register one: @breakwater/node start() does, as ' +
    'does NodeSDK; or context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()).';
  diag.warn(message);
  process.emitWarning(message, { code: NO_CONTEXT_MANAGER_WARNING });
}

/**
 * Wraps `fn` as a Breakwater tool. A tool that times out is abandoned (its promise is no longer
 * awaited) and the call fails with category `timeout`; a tool that reads {@link toolSignal} is
 * told to stop as well. Called as a method, the tool passes its object on to `fn` as `this`, and
 * keeps `fn`'s `this` type: a tool of `function (this: Db, q: string)` must be called on a `Db`.
 *
 * @throws TypeError when `name` is not a non-empty string, `fn` not a function, or an option
 * unknown (a misspelling) or of the wrong type, each named; and for a bad `policy` field.
 *
 * @example
 * const search = tool('search_web', async (args: { q: string; id: string }) => fetchResults(args.q), {
 *   callId: (args) => args.id,
 *   policy: { fallback: { name: 'no-results', run: () => [] } },
 * });
 */
export function tool<A extends unknown[], R, T = unknown>(
  name: string,
  fn: (this: T, ...args: A) => R | Promise<R>,
  // NoInfer: the result type comes from `fn` alone; the options (a fallback) are checked against it.
  options: ToolOptions<A, NoInfer<R>> = {},
): Tool<A, R, T> {
  checkDefinition('tool', name, fn, options, TOOL_OPTIONS);
  // The fallback's types are this tool's; the pipeline hands it the arguments and returns its value.
  const overrides = options.policy as PolicyOverrides | undefined;
  if (overrides !== undefined) validatePolicyOverrides(overrides, `tool(${JSON.stringify(name)}).policy`);
  const dependency = dependencyKey({ toolName: name }) ?? `tool/${name}`;
  const spanName = `execute_tool ${name}`;
  const startAttributes = Object.freeze({
    [SEMCONV.GEN_AI_OPERATION_NAME]: 'execute_tool',
    [SEMCONV.GEN_AI_TOOL_NAME]: name,
  });
  const toolType = options.type ?? 'function';
  // One set of metric attributes per agent that runs the tool: its metric names that agent.
  const metricBase = { [SEMCONV.GEN_AI_TOOL_NAME]: name, [SEMCONV.GEN_AI_TOOL_TYPE]: toolType };
  const setsByAgent = new Map<string | undefined, AttributeSets>();
  const setsFor = (agentName: string | undefined): AttributeSets =>
    new AttributeSets(
      agentName === undefined ? metricBase : { ...metricBase, [SEMCONV.GEN_AI_AGENT_NAME]: agentName },
    );
  // Resolved once per runtime, so every call of this tool shares one policy object.
  let resolved: { runtime: Runtime; policy: DependencyPolicy } | undefined;
  const wrapped = async function (this: T, ...args: A): Promise<R> {
    const runtime = options.runtime ?? getRuntime();
    if (resolved?.runtime !== runtime) {
      resolved = { runtime, policy: runtime.policies.resolveWith(dependency, overrides) };
    }
    const policy = resolved.policy;
    const tracer = trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
    const attributes: Record<string, string | boolean> = { [SEMCONV.GEN_AI_TOOL_TYPE]: toolType };
    if (options.description !== undefined) attributes[SEMCONV.GEN_AI_TOOL_DESCRIPTION] = options.description;
    const callId: unknown = safe(() => options.callId?.(...args));
    // `gen_ai.tool.call.id` is a string: a number from untyped code would go out as an int, and
    // no longer match the model's tool-call ids in the messages. Others are left out.
    if (typeof callId === 'string') attributes[SEMCONV.GEN_AI_TOOL_CALL_ID] = callId;
    if (runtime.captureMessageContent && args.length > 0) {
      // The conventions expect the arguments object: a tool of one argument records that argument.
      const text = contentJson(args.length === 1 ? args[0] : args);
      setBounded(
        (k, v) => {
          attributes[k] = v;
        },
        SEMCONV.GEN_AI_TOOL_CALL_ARGUMENTS,
        text,
        runtime.contentCapture,
        'value',
      );
    }
    // Before the operation, which records the breaker's state: the first call creates the breaker.
    const pipeline = runtime.guard.pipeline(dependency, policy, 'pipeline');
    const op = new Operation(
      runtime,
      { tracer, metrics: agentToolMetrics().tool },
      {
        spanName,
        dependency,
        sets: memoized(setsByAgent, runningAgentName(), MAX_AGENTS_PER_TOOL, setsFor),
        startAttributes,
        requestAttributes: attributes,
        kind: SpanKind.INTERNAL,
        attemptSpans: true,
      },
      context.active(),
    );
    const attempt = async (call: CallContext<CallData>): Promise<R> => {
      const running: ToolAttempt = { call, attempt: call.attempt };
      return context.with(context.active().setValue(TOOL_ATTEMPT, running), fn, this, ...args);
    };
    const value = await op.run<R>(pipeline, attempt, {
      data: {
        input: args,
        adaptFallback: identity,
        // An attempt abandoned at its deadline ends its span then (see abandoned-attempts.ts).
        attempts: op,
      },
    });
    if (runtime.captureMessageContent) {
      const text = contentJson(value);
      setBounded(
        (k, v) => op.span.setAttribute(k, v),
        SEMCONV.GEN_AI_TOOL_CALL_RESULT,
        text,
        runtime.contentCapture,
        'value',
      );
    }
    op.succeed();
    return value;
  };
  // `wrapped` is `(this: T, ...args: A) => Promise<R>`; the cast only drops a `this: unknown`.
  return Object.assign(likeWrapped(wrapped, fn), { toolName: name }) as Tool<A, R, T>;
}

const identity = (value: unknown): unknown => value;

/** Agents remembered per tool; a tool run by more agents builds their sets per call. */
const MAX_AGENTS_PER_TOOL = 16;

/**
 * JSON for captured tool arguments and results. A string that already is JSON (the model's
 * arguments, a serialized result) is recorded as it is rather than encoded a second time; a value
 * JSON cannot encode (a bigint, a circular structure) is `UNENCODABLE`, left out and said cut.
 */
function contentJson(value: unknown): CapturedJson {
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
      return value;
    } catch {
      // Plain text: encoded below.
    }
  }
  return json(value);
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
