/**
 * The process-wide Breakwater runtime: the guard (resilience pipelines and breaker registry), the
 * policy resolver and the clock. The LLM instrumentations, `tool()` and `agent()` all share it,
 * so one dependency has one breaker however it is called, and the fleet control client can
 * override that breaker in one place.
 */
import {
  type Clock,
  checkFor,
  closestName,
  ENV,
  isObject,
  showValue,
  systemClock,
  throwProblems,
} from '@breakwater/protocol';
import { type ClassifierRule, validateClassifierRules } from '@breakwater/resilience';
import { diag, type Meter } from '@opentelemetry/api';
import {
  type ContentCapture,
  captureMaxBytesFromEnv,
  checkCaptureMaxBytes,
  DEFAULT_CAPTURE_MAX_BYTES,
} from './bounded-json.ts';
import { type DependencyLimits, resolveLimits } from './dependency-limits.ts';
import { createGuard, type GuardHandle } from './guard.ts';
import { OpenOperations } from './open-operations.ts';
import { PolicyResolver, type PolicyRule } from './policies.ts';
import { PACKAGE_VERSION } from './version.ts';

/** Options for {@link configureBreakwater}. */
export interface RuntimeOptions {
  /** Policy rules by dependency-key glob, applied over the defaults (see README). */
  readonly policies?: readonly PolicyRule[];
  /** Injected time for every policy. Defaults to the system clock. */
  readonly clock?: Clock;
  /**
   * Meter for the `breakwater.*` metrics (calls, attempts, breaker state, retry budget, bulkhead).
   * Defaults to the global meter provider, looked up lazily, so one registered later still gets
   * them.
   */
  readonly meter?: Meter;
  /**
   * Record message content on spans. Defaults to
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`.
   */
  readonly captureMessageContent?: boolean;
  /**
   * Bound on each captured content attribute, UTF-8 bytes (default 32 KiB, or
   * `BREAKWATER_CAPTURE_MAX_BYTES`): past it the oldest messages, then the ends of the longest
   * strings, are left out, and the span says `breakwater.content.truncated`.
   */
  readonly captureMaxBytes?: number;
  /** Bounds on the state kept per dependency (see "Limits on per-dependency state" in the README). */
  readonly limits?: DependencyLimits;
  /**
   * Rules checked before the built-in classification of every failure, in order: how your own
   * errors count. A tool that throws on bad arguments from the model, classified `validation`,
   * fails the call without counting against the tool's breaker; an error classified retryable is
   * retried where the policy allows more than one attempt. @throws TypeError naming each field
   * of a rule that is not what the classifier uses (`classifierRules[0].message: must be a RegExp
   * (got "bad input")`), a rule without a condition or a category outside the taxonomy.
   */
  readonly classifierRules?: readonly ClassifierRule[];
  /**
   * Where warnings about this configuration go (a broad policy rule's `retry`, which tools leave
   * off); default OpenTelemetry's `diag.warn`, silent unless a diag logger is set.
   */
  readonly warn?: (message: string) => void;
}

/** The shared runtime. */
export interface Runtime {
  readonly guard: GuardHandle;
  readonly policies: PolicyResolver;
  readonly clock: Clock;
  readonly captureMessageContent: boolean;
  /** How content is captured when it is (its size bound). */
  readonly contentCapture: ContentCapture;
  /**
   * Operations whose end is up to the app (a stream not read to its end, a response not parsed
   * yet). At shutdown, `openOperations.endAll()` ends them before the last flush, so they are
   * exported (`@breakwater/node`'s `shutdown()` does).
   */
  readonly openOperations: OpenOperations;
}

/** The process-wide runtime of one version of this package, and who installed it. */
interface RuntimeSlot {
  current: Runtime | undefined;
  /** Who installed `current` through {@link installRuntime}, while it is theirs. */
  owner: string | undefined;
  /** Whether a copy at this version said that its runtime is apart from another version's. */
  toldSeparate: boolean;
}

/**
 * Kept on `globalThis` under a registered symbol, a slot per version, so every copy of this
 * package at one version in the process shares one runtime: an app bundled with a copy of its own
 * (esbuild, webpack) and run under `--import @breakwater/node/register`, whose copy in
 * node_modules holds `start()`'s runtime and the fleet control client, calls `tool()` in the
 * bundled copy, and it must run under the same policies and breakers. Per version, whichever
 * loaded first: another version's code would be driving this one's objects. A copy that makes its
 * runtime while another version is loaded says so ({@link SEPARATE_RUNTIME_WARNING}).
 */
const SLOTS_KEY = Symbol.for('@breakwater/instrumentation.runtimes');
const holder = globalThis as { [SLOTS_KEY]?: Map<string, RuntimeSlot> };
holder[SLOTS_KEY] ??= new Map();
const slots = holder[SLOTS_KEY];
const slot: RuntimeSlot = slots.get(PACKAGE_VERSION) ?? {
  current: undefined,
  owner: undefined,
  toldSeparate: false,
};
slots.set(PACKAGE_VERSION, slot);

function contentFromEnv(): boolean {
  return process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.toLowerCase() === 'true';
}

/** `BREAKWATER_CAPTURE_MAX_BYTES` when it is a positive integer; otherwise the default, with a warning. */
function captureMaxBytesOrDefault(): number {
  const fromEnv = captureMaxBytesFromEnv(process.env, (value) =>
    diag.warn(
      `${ENV.CAPTURE_MAX_BYTES}=${value}: must be an integer of at least 1; using ${DEFAULT_CAPTURE_MAX_BYTES}`,
    ),
  );
  return fromEnv ?? DEFAULT_CAPTURE_MAX_BYTES;
}

/** Every option of {@link RuntimeOptions}: a new one missing here does not compile. */
const OPTION_NAMES: Readonly<Record<keyof RuntimeOptions, true>> = {
  policies: true,
  clock: true,
  meter: true,
  captureMessageContent: true,
  captureMaxBytes: true,
  limits: true,
  classifierRules: true,
  warn: true,
};

/**
 * Refuses options that are not an object and keys that are not options: a misspelt `policy`
 * would otherwise leave every call on the default policies without a word.
 */
function checkOptionNames(options: unknown): void {
  if (!isObject(options))
    throwProblems('invalid Breakwater options', [
      `must be an object of options, as in configureBreakwater({ policies }) (got ${showValue(options)})`,
    ]);
  const known = Object.keys(OPTION_NAMES);
  const problems: string[] = [];
  for (const [key, value] of Object.entries(options as object)) {
    if (value === undefined || checkFor(OPTION_NAMES, key) !== undefined) continue;
    const match = meant(key, known);
    problems.push(
      `${key}: unknown option (${match === undefined ? `known: ${known.join(', ')}` : `did you mean ${match}?`})`,
    );
  }
  throwProblems('invalid Breakwater options', problems);
}

/**
 * The option a mistyped `key` most likely meant: a typo or two away from its name or from its
 * singular (`policy`, as `tool()` calls its option, for `policies`).
 */
function meant(key: string, known: readonly string[]): string | undefined {
  return (
    closestName(key, known) ??
    known.find((name) => closestName(key, [name.replace(/ies$/, 'y').replace(/s$/, '')]) !== undefined)
  );
}

/**
 * Builds a runtime without installing it. @throws TypeError for an unknown option (`policy:
 * unknown option (did you mean policies?)`) or one out of range.
 */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  checkOptionNames(options);
  const clock = options.clock ?? systemClock;
  const limits = resolveLimits(options.limits);
  const maxBytes =
    options.captureMaxBytes === undefined
      ? captureMaxBytesOrDefault()
      : checkCaptureMaxBytes(options.captureMaxBytes);
  const policies = new PolicyResolver(options.policies, {
    maxCached: limits.maxDependencies,
    ...(options.warn === undefined ? {} : { warn: options.warn }),
  });
  // Checked under the name the app gave them (the guard's classifier calls them `rules`).
  if (options.classifierRules !== undefined)
    validateClassifierRules(options.classifierRules, 'classifierRules');
  return {
    clock,
    policies,
    guard: createGuard({
      clock,
      ...(options.classifierRules === undefined ? {} : { classifierRules: options.classifierRules }),
      ...(options.meter === undefined ? {} : { meter: options.meter }),
      policyFor: (dependency) => policies.resolve(dependency),
      limits,
    }),
    captureMessageContent: options.captureMessageContent ?? contentFromEnv(),
    contentCapture: Object.freeze({ maxBytes }),
    openOperations: new OpenOperations(),
  };
}

/**
 * Installs a fresh process-wide runtime (policies, clock, metrics) and returns it. Breakers and
 * budgets of the previous runtime are dropped, so call this once at startup (or per test). With
 * `@breakwater/node`, give these options to `start()` instead: replacing the runtime it set up
 * drops its policies and rules, and its fleet control client goes on steering the old breakers
 * (said in a process warning, {@link RUNTIME_REPLACED_WARNING}). @throws TypeError naming each
 * unknown option (`policy: unknown option (did you mean policies?)`) and each bad value, with
 * the previous runtime left in place.
 */
export function configureBreakwater(options: RuntimeOptions = {}): Runtime {
  const replaced = slot.owner;
  const runtime = createRuntime(options);
  separateRuntimeWarning();
  slot.current = runtime;
  slot.owner = undefined;
  if (replaced !== undefined) warnReplaced(replaced);
  return runtime;
}

/** Process warning code for a {@link configureBreakwater} that replaced a runtime set up by `start()`. */
export const RUNTIME_REPLACED_WARNING = 'BREAKWATER_RUNTIME_REPLACED';

function warnReplaced(owner: string): void {
  const message =
    `configureBreakwater() replaced the runtime ${owner} set up: its policies, classifier rules and limits ` +
    `no longer apply, and fleet breaker signals reach the old breakers only. Give these options to ${owner} instead.`;
  diag.warn(message);
  process.emitWarning(message, { code: RUNTIME_REPLACED_WARNING });
}

/**
 * {@link configureBreakwater} for a setup that owns the runtime (`@breakwater/node`'s `start()`,
 * named by `owner`): a later `configureBreakwater()` warns that it replaces it.
 */
export function installRuntime(owner: string, options: RuntimeOptions = {}): Runtime {
  const runtime = createRuntime(options);
  separateRuntimeWarning();
  slot.current = runtime;
  slot.owner = owner;
  return runtime;
}

/**
 * The process-wide runtime, created with defaults on first use. Every copy of this package at
 * the same version in the process has the same one (see {@link SLOTS_KEY}).
 */
export function getRuntime(): Runtime {
  if (slot.current === undefined) {
    separateRuntimeWarning();
    slot.current = createRuntime();
  }
  return slot.current;
}

/** Process warning code for a copy of this package whose runtime is its own (another version runs too). */
export const SEPARATE_RUNTIME_WARNING = 'BREAKWATER_SEPARATE_RUNTIME';

/** Tells, once per version, that its copies' calls run under a runtime of their own, when they do. */
function separateRuntimeWarning(): void {
  if (slot.toldSeparate) return;
  const others = [...slots.keys()].filter((version) => version !== PACKAGE_VERSION);
  if (others.length === 0) return;
  slot.toldSeparate = true;
  const message =
    `@breakwater/instrumentation ${PACKAGE_VERSION} runs beside ${others.join(', ')} in this process, and copies of ` +
    'different versions do not share a runtime: calls made through one (its tool(), agent(), AI SDK middleware, client ' +
    "instrumentations) run under that copy's policies and breakers only, so start() and the fleet control client, " +
    "which configure one copy, leave the other's calls on default policies and deaf to the collector's breaker " +
    'signals. Install one version of the @breakwater packages (`npm ls @breakwater/instrumentation` shows which ' +
    "dependency pins another), or keep them out of the app's bundle.";
  diag.warn(message);
  process.emitWarning(message, { code: SEPARATE_RUNTIME_WARNING });
}
