/**
 * Validation of fault scripts. Input arrives as untrusted JSON over HTTP, so every field is
 * checked and unknown fields are refused: a typo such as `stauts` must fail loudly rather than
 * silently install a script that does nothing.
 */
import { isRecord } from '../canned.ts';
import {
  ERROR_CODES,
  FaultScriptError,
  type FaultStep,
  MAX_DELAY_MS,
  type NormalizedScript,
  ROUTE_IDS,
  type RouteSelector,
  STREAM_ERROR_ENDS,
} from './types.ts';

/** Every value a script's `route` (or a control-API `route` target) may take. */
export const ROUTE_SELECTORS: readonly string[] = [...ROUTE_IDS, 'openai', 'anthropic', 'gemini', '*'];
const BEHAVIOURS = ['ok', 'error', 'hang', 'reset', 'stream_error'] as const;
type Behaviour = (typeof BEHAVIOURS)[number];
const FAULTS = [...BEHAVIOURS, 'mix'] as const;
const PACING_KEYS = ['latency', 'chunkDelayMs'];
const TIMING_KEYS = ['count', 'durationMs', ...PACING_KEYS];
const ERROR_KEYS = ['status', 'code', 'message', 'retryAfter', 'retryAfterMs', 'headers'];
/** Headers that describe the body and connection; a script overriding them would corrupt the response. */
const FRAMING_HEADERS = ['content-length', 'content-type', 'transfer-encoding', 'connection'];
const KEYS_BY_BEHAVIOUR: Record<Behaviour, readonly string[]> = {
  ok: [],
  hang: [],
  reset: [],
  error: ERROR_KEYS,
  stream_error: ['afterChunks', 'end', 'status', 'code', 'message'],
};
/** Rates are decimals (0.02 + 0.01 …); their float sum may overshoot 1 by a rounding error. */
const RATE_SUM_TOLERANCE = 1e-9;

/**
 * Accepts one script, an array of scripts, or `{ scripts: [...] }`, and returns them validated
 * with defaults applied. Throws {@link FaultScriptError} naming the first bad field.
 */
export function parseScripts(input: unknown): NormalizedScript[] {
  let list: unknown[];
  let base: string;
  if (Array.isArray(input)) {
    list = input;
    base = '';
  } else if (isRecord(input) && 'scripts' in input) {
    rejectUnknown(input, ['scripts'], '');
    if (!Array.isArray(input.scripts)) fail('scripts', 'must be an array of scripts');
    list = input.scripts;
    base = 'scripts';
  } else {
    return [parseScript(input, '')];
  }
  if (list.length === 0) fail(base || '(body)', 'must contain at least one script');
  const seen = new Set<string>();
  return list.map((item, i) => {
    const script = parseScript(item, `${base}[${i}]`);
    const key = `${script.route}\u0000${script.model}\u0000${script.apiKey ?? ''}`;
    if (seen.has(key))
      fail(
        `${base}[${i}]`,
        `duplicates the target route=${script.route} model=${script.model}${script.apiKey === undefined ? '' : ' apiKey=…'}`,
      );
    seen.add(key);
    return script;
  });
}

function parseScript(input: unknown, path: string): NormalizedScript {
  if (!isRecord(input)) fail(path || '(body)', 'must be a JSON object with a "steps" array');
  rejectUnknown(input, ['route', 'model', 'apiKey', 'steps', 'repeat'], path);
  const route = input.route ?? '*';
  if (typeof route !== 'string' || !ROUTE_SELECTORS.includes(route)) {
    fail(join(path, 'route'), `must be one of ${ROUTE_SELECTORS.join(', ')}`);
  }
  const model = input.model ?? '*';
  if (typeof model !== 'string' || model === '')
    fail(join(path, 'model'), 'must be a non-empty string or "*"');
  const apiKey = input.apiKey;
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey === ''))
    fail(join(path, 'apiKey'), 'must be a non-empty string');
  if (input.repeat !== undefined && typeof input.repeat !== 'boolean')
    fail(join(path, 'repeat'), 'must be a boolean');
  if (!Array.isArray(input.steps) || input.steps.length === 0) {
    fail(join(path, 'steps'), 'must be a non-empty array of steps');
  }
  const steps = input.steps.map((step, i) => parseStep(step, join(path, `steps[${i}]`)));
  steps.forEach((step, i) => {
    if (i < steps.length - 1 && step.count === undefined && step.durationMs === undefined) {
      fail(join(path, `steps[${i}]`), 'never ends (no count or durationMs) but more steps follow it');
    }
  });
  return {
    route: route as RouteSelector,
    model,
    ...(apiKey === undefined ? {} : { apiKey: apiKey as string }),
    steps,
    repeat: input.repeat === true,
  };
}

function parseStep(input: unknown, path: string): FaultStep {
  if (!isRecord(input)) fail(path, 'must be a JSON object with a "fault" field');
  if (input.fault === 'mix') return parseMix(input, path);
  checkBehaviour(input, path, FAULTS, ['fault', ...TIMING_KEYS, 'rate']);
  checkTiming(input, path);
  optionalNumber(input, 'rate', path, { min: 0, max: 1 });
  return structuredClone(input) as unknown as FaultStep;
}

/** A `mix` step: its timing, and outcomes whose rates add up to at most 1. */
function parseMix(input: Record<string, unknown>, path: string): FaultStep {
  rejectUnknown(input, ['fault', 'outcomes', ...TIMING_KEYS], path);
  checkTiming(input, path);
  const outcomes = input.outcomes;
  if (!Array.isArray(outcomes) || outcomes.length === 0)
    fail(join(path, 'outcomes'), 'must be a non-empty array of { rate, fault, … }');
  let total = 0;
  outcomes.forEach((outcome: unknown, i) => {
    const at = join(path, `outcomes[${i}]`);
    if (!isRecord(outcome)) fail(at, 'must be a JSON object with "rate" and "fault" fields');
    checkBehaviour(outcome, at, BEHAVIOURS, ['fault', 'rate', ...PACING_KEYS]);
    checkPacing(outcome, at);
    if (outcome.rate === undefined)
      fail(join(at, 'rate'), 'is required: the fraction (0–1) of the requests that get this outcome');
    optionalNumber(outcome, 'rate', at, { min: 0, max: 1 });
    total += outcome.rate as number;
  });
  if (total > 1 + RATE_SUM_TOLERANCE)
    fail(
      join(path, 'outcomes'),
      `rates add up to ${total}; they are fractions of one step's requests, so at most 1`,
    );
  return structuredClone(input) as unknown as FaultStep;
}

function checkTiming(input: Record<string, unknown>, path: string): void {
  optionalNumber(input, 'count', path, { integer: true, min: 1 });
  optionalNumber(input, 'durationMs', path, { min: 0, exclusiveMin: true });
  checkPacing(input, path);
}

function checkPacing(input: Record<string, unknown>, path: string): void {
  optionalNumber(input, 'chunkDelayMs', path, { min: 0, max: MAX_DELAY_MS });
  checkLatency(input.latency, join(path, 'latency'));
}

/** The `fault` is one of `allowed`, only its fields (and `otherKeys`) are present, and they are valid. */
function checkBehaviour(
  input: Record<string, unknown>,
  path: string,
  allowed: readonly string[],
  otherKeys: readonly string[],
): void {
  const fault = input.fault;
  if (typeof fault !== 'string' || !allowed.includes(fault)) {
    fail(join(path, 'fault'), `must be one of ${allowed.join(', ')}`);
  }
  rejectUnknown(input, [...otherKeys, ...KEYS_BY_BEHAVIOUR[fault as Behaviour]], path);

  if (fault === 'error' || fault === 'stream_error') {
    optionalNumber(input, 'status', path, { integer: true, min: 400, max: 599 });
    if (input.code !== undefined && !(ERROR_CODES as readonly unknown[]).includes(input.code)) {
      fail(join(path, 'code'), `must be one of ${ERROR_CODES.join(', ')}`);
    }
    if (input.message !== undefined && typeof input.message !== 'string')
      fail(join(path, 'message'), 'must be a string');
  }
  if (fault === 'error') {
    if (input.status === undefined && input.code === undefined)
      fail(path, 'an error step needs a status or a code');
    optionalNumber(input, 'retryAfter', path, { min: 0 });
    optionalNumber(input, 'retryAfterMs', path, { min: 0 });
    if (input.headers !== undefined) {
      if (!isRecord(input.headers))
        fail(join(path, 'headers'), 'must be an object of header names to string values');
      for (const [name, value] of Object.entries(input.headers)) {
        // Node refuses to send other characters (e.g. "✓", control codes); caught here, the script
        // is refused instead of every matching request failing with a non-provider 500.
        if (
          typeof value !== 'string' ||
          !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) ||
          !/^[\t\x20-\x7e\x80-\xff]*$/.test(value)
        ) {
          fail(
            join(path, `headers.${name}`),
            'must be a valid header name with a single-line string value of printable Latin-1 characters',
          );
        }
        if (FRAMING_HEADERS.includes(name.toLowerCase())) {
          fail(join(path, `headers.${name}`), 'is set by the provider itself (it frames the JSON body)');
        }
      }
    }
  }
  if (fault === 'stream_error') {
    optionalNumber(input, 'afterChunks', path, { integer: true, min: 0 });
    if (input.end !== undefined && !(STREAM_ERROR_ENDS as readonly unknown[]).includes(input.end)) {
      fail(join(path, 'end'), `must be one of ${STREAM_ERROR_ENDS.join(', ')}`);
    }
  }
}

function checkLatency(value: unknown, path: string): void {
  if (value === undefined) return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0 || value > MAX_DELAY_MS)
      fail(path, `must be a non-negative number of milliseconds ≤ ${MAX_DELAY_MS}`);
    return;
  }
  if (!isRecord(value)) fail(path, 'must be milliseconds or { medianMs, sigma, maxMs? }');
  rejectUnknown(value, ['medianMs', 'sigma', 'maxMs'], path);
  if (value.medianMs === undefined || value.sigma === undefined)
    fail(path, 'a lognormal latency needs medianMs and sigma');
  optionalNumber(value, 'medianMs', path, { min: 0, max: MAX_DELAY_MS });
  optionalNumber(value, 'sigma', path, { min: 0 });
  optionalNumber(value, 'maxMs', path, { min: 0, max: MAX_DELAY_MS });
}

interface NumberRule {
  integer?: boolean;
  min?: number;
  exclusiveMin?: boolean;
  max?: number;
}

function optionalNumber(record: Record<string, unknown>, key: string, path: string, rule: NumberRule): void {
  const value = record[key];
  if (value === undefined) return;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || (rule.exclusiveMin ? value > rule.min : value >= rule.min)) &&
    (rule.max === undefined || value <= rule.max);
  if (ok) return;
  const kind = rule.integer ? 'an integer' : 'a number';
  const lower =
    rule.min === undefined ? '' : rule.exclusiveMin ? ` greater than ${rule.min}` : ` ≥ ${rule.min}`;
  const upper = rule.max === undefined ? '' : ` and ≤ ${rule.max}`;
  fail(join(path, key), `must be ${kind}${lower}${upper}, got ${JSON.stringify(value)}`);
}

function rejectUnknown(record: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) fail(join(path, key), `unknown field (allowed: ${allowed.join(', ')})`);
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : key.startsWith('[') ? path + key : `${path}.${key}`;
}

function fail(path: string, message: string): never {
  throw new FaultScriptError(`${path}: ${message}`);
}
