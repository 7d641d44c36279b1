import { MAX_GATE_VALUE_CHARS } from '@breakwater/protocol';
import type { GateQuery } from '../../evaluate/gate/evaluate-gate.ts';

/** A parsed query or the problems with it (each a sentence naming the parameter). */
export type ParsedQuery = { ok: true; query: GateQuery } | { ok: false; errors: string[] };

type Params = URLSearchParams | Readonly<Record<string, string | undefined>>;

/** Reads the parameters of a gate request; every read adds its problems to `errors`. */
export interface GateParams {
  /** One sentence per problem, naming the parameter. */
  readonly errors: string[];
  /** A required parameter given once, trimmed, at most {@link MAX_GATE_VALUE_CHARS}. */
  single(name: string): string | undefined;
  /** A comma-separated (or repeated) list, trimmed, empties dropped, without checks. */
  values(name: string): string[];
  /** {@link values} with each at most {@link MAX_GATE_VALUE_CHARS}, duplicates dropped. */
  list(name: string): string[];
  /** An optional time in epoch milliseconds (digits only), given at most once. */
  epochMs(name: string): number | undefined;
}

/**
 * Reads a gate request's parameters, `known` being all it takes: an unknown one is an error, so
 * a typo (`verison=`) is caught instead of silently judging the wrong thing.
 */
export function gateParams(params: Params, known: readonly string[]): GateParams {
  const get = (name: string): string[] =>
    params instanceof URLSearchParams
      ? params.getAll(name)
      : params[name] === undefined
        ? []
        : [params[name]!];
  const errors: string[] = [];
  const keys = params instanceof URLSearchParams ? [...new Set(params.keys())] : Object.keys(params);
  for (const key of keys)
    if (!known.includes(key)) errors.push(`unknown parameter "${key}" (expected ${known.join(', ')})`);
  const values = (name: string): string[] =>
    get(name)
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== '');
  return {
    errors,
    single(name) {
      const given = get(name);
      if (given.length === 0 || given[0]!.trim() === '') {
        errors.push(`"${name}" is required`);
        return undefined;
      }
      if (given.length > 1) errors.push(`"${name}" given ${given.length} times`);
      const value = given[0]!.trim();
      if (value.length > MAX_GATE_VALUE_CHARS)
        errors.push(`"${name}" is longer than ${MAX_GATE_VALUE_CHARS} characters`);
      return value;
    },
    values,
    list(name) {
      const out = values(name);
      if (out.some((v) => v.length > MAX_GATE_VALUE_CHARS))
        errors.push(`"${name}" has a value longer than ${MAX_GATE_VALUE_CHARS} characters`);
      return [...new Set(out)];
    },
    epochMs(name) {
      const given = get(name);
      if (given.length === 0) return undefined;
      if (given.length > 1) errors.push(`"${name}" given ${given.length} times`);
      const text = given[0]!.trim();
      // Digits only: `Number()` would also take "", "1e12" and "0x10".
      const ms = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(ms)) {
        errors.push(`"${name}" is not a time in epoch milliseconds: ${JSON.stringify(text.slice(0, 40))}`);
        return undefined;
      }
      return ms;
    },
  };
}

/**
 * Reads `service`, `version`, `baseline` and `slo` from a gate request. `baseline` and `slo` are
 * comma-separated lists (or repeated). Unknown parameters are errors.
 */
export function parseGateQuery(params: Params): ParsedQuery {
  const p = gateParams(params, ['service', 'version', 'baseline', 'slo']);
  const service = p.single('service');
  const version = p.single('version');
  const baseline = p.list('baseline');
  const slos = p.list('slo');
  const { errors } = p;
  if (version !== undefined && baseline.includes(version))
    errors.push(`"baseline" must not include the version under test ("${version}")`);
  if (errors.length > 0 || service === undefined || version === undefined) return { ok: false, errors };
  return { ok: true, query: { service, version, baseline, slos } };
}
