/**
 * How Breakwater patches a client method beside other instrumentations of the same client, such
 * as `@opentelemetry/instrumentation-openai` (which `@opentelemetry/auto-instrumentations-node`
 * enables). The OpenTelemetry base's `_wrap` first removes any wrapper it recognises (its
 * `__wrapped` mark), whoever installed it, so an instrumentation patching after Breakwater used to
 * remove Breakwater's patch, and Breakwater skipped a method wrapped already: either way the app's
 * calls ran without retries, timeouts or breakers, and nothing said so.
 *
 * Now Breakwater's wrapper carries its own mark instead, so another instrumentation patching later
 * wraps over it and the call goes through both. One that patched first is replaced (as the
 * OpenTelemetry base would): under Breakwater's wrapper it would read each attempt's response body
 * itself, which Breakwater reads too, failing the call. Both cases are told to the app.
 */
import { CLIENT_PACKAGES, type ClientFamily } from './endpoint.ts';

/** Where a Breakwater wrapper keeps the function it wraps; shared by every copy of this package. */
const ORIGINAL = Symbol.for('@breakwater/instrumentation.original');

/** `process.emitWarning` code of the warning, for apps that filter or test for it. */
export const DOUBLE_INSTRUMENTED_WARNING = 'BREAKWATER_DOUBLE_INSTRUMENTED';

type Wrapper = Function & { [ORIGINAL]?: unknown; __original?: unknown; __wrapped?: unknown };

/** The function `fn` wraps, by Breakwater's mark or another instrumentation's (`__original`). */
function wrappedBy(fn: Wrapper): unknown {
  return fn[ORIGINAL] ?? fn.__original;
}

/** Whether a Breakwater wrapper (of this copy of the package or another) is in `fn`'s chain. */
export function hasBreakwaterPatch(fn: unknown): boolean {
  for (let f = fn; typeof f === 'function'; f = wrappedBy(f as Wrapper)) {
    if ((f as Wrapper)[ORIGINAL] !== undefined) return true;
  }
  return false;
}

/** Whether `fn` is another OpenTelemetry instrumentation's wrapper (shimmer's marks). */
export function isOtherInstrumentation(fn: unknown): boolean {
  return (
    typeof fn === 'function' && (fn as Wrapper).__wrapped === true && (fn as Wrapper)[ORIGINAL] === undefined
  );
}

/**
 * Replaces `proto[method]` with `wrap(it)`, marked as Breakwater's; other instrumentations'
 * wrappers on it are taken off first (see above). Says whether there were any.
 */
export function installPatch(
  proto: Record<string, unknown>,
  method: string,
  wrap: (original: Function) => Function,
): boolean {
  let original = proto[method] as Wrapper;
  const replaced = isOtherInstrumentation(original);
  while (isOtherInstrumentation(original) && typeof original.__original === 'function') {
    original = original.__original as Wrapper;
  }
  const wrapper = wrap(original);
  Object.defineProperty(wrapper, ORIGINAL, { value: original, configurable: true });
  define(proto, method, wrapper);
  return replaced;
}

/**
 * Restores what {@link installPatch} replaced. A wrapper another instrumentation put over ours
 * stays, and keeps calling ours: taking ours out from under it is not ours to do.
 */
export function removePatch(proto: Record<string, unknown>, method: string): void {
  const current = proto[method];
  if (typeof current !== 'function') return;
  const original = (current as Wrapper)[ORIGINAL];
  if (original !== undefined) define(proto, method, original);
}

function define(proto: Record<string, unknown>, method: string, value: unknown): void {
  const enumerable = Object.prototype.propertyIsEnumerable.call(proto, method);
  Object.defineProperty(proto, method, { value, configurable: true, writable: true, enumerable });
}

const warned = new Set<string>();

/** How to switch the other instrumentation off, for the clients that have a well-known one. */
const DISABLE_HINT: Record<ClientFamily, string> = {
  openai:
    'If it is @opentelemetry/instrumentation-openai (which @opentelemetry/auto-instrumentations-node ' +
    'enables), disable it: OTEL_NODE_DISABLED_INSTRUMENTATIONS=openai, or ' +
    "getNodeAutoInstrumentations({ '@opentelemetry/instrumentation-openai': { enabled: false } }).",
  anthropic: 'Disable the other instrumentation of @anthropic-ai/sdk.',
};

/**
 * Tells the app, once per client method and case, that another instrumentation patches it too: through
 * `process.emitWarning` (printed on stderr unless the app handles warnings) and `diag`.
 * `replaced`: its patch came first and was taken off, so its spans and metrics of these calls
 * are gone; else it wrapped over Breakwater's, and its spans and metrics count the calls again.
 */
export function otherInstrumentationWarning(
  family: ClientFamily,
  path: string,
  replaced: boolean,
  diagWarn: (message: string) => void,
): void {
  const key = `${family} ${path} ${replaced}`;
  if (warned.has(key)) return;
  warned.add(key);
  const client = CLIENT_PACKAGES[family];
  const message = replaced
    ? `${client} ${path} calls were patched by another OpenTelemetry instrumentation before Breakwater, ` +
      "whose patch replaced it (under Breakwater's, it would read the response bodies Breakwater reads, " +
      "failing the calls): that instrumentation records no spans or metrics of these calls; Breakwater's " +
      `GenAI spans and metrics stand for them. ${DISABLE_HINT[family]}`
    : `${client} ${path} calls are also patched by another OpenTelemetry instrumentation, over ` +
      "Breakwater's: each call still goes through Breakwater's policies, but the other instrumentation's " +
      `GenAI spans and metrics count the same calls again. ${DISABLE_HINT[family]}`;
  diagWarn(message);
  process.emitWarning(message, { code: DOUBLE_INSTRUMENTED_WARNING });
}
