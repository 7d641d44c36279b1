import { MAX_GATE_VALUE_CHARS } from '@breakwater/protocol';
import type { GateQuery } from '../../evaluate/gate/evaluate-gate.ts';

const KNOWN = new Set(['service', 'version', 'baseline', 'slo']);

/** A parsed query or the problems with it (each a sentence naming the parameter). */
export type ParsedQuery = { ok: true; query: GateQuery } | { ok: false; errors: string[] };

/**
 * Reads `service`, `version`, `baseline` and `slo` from a gate request. `baseline` and `slo` are
 * comma-separated lists (or repeated). Unknown parameters are errors, so a typo (`verison=`)
 * is caught instead of silently judging the wrong thing.
 */
export function parseGateQuery(
  params: URLSearchParams | Readonly<Record<string, string | undefined>>,
): ParsedQuery {
  const get = (name: string): string[] =>
    params instanceof URLSearchParams
      ? params.getAll(name)
      : params[name] === undefined
        ? []
        : [params[name]!];
  const errors: string[] = [];
  const keys = params instanceof URLSearchParams ? [...new Set(params.keys())] : Object.keys(params);
  for (const key of keys)
    if (!KNOWN.has(key)) errors.push(`unknown parameter "${key}" (expected service, version, baseline, slo)`);
  const single = (name: string): string | undefined => {
    const values = get(name);
    if (values.length === 0 || values[0]!.trim() === '') {
      errors.push(`"${name}" is required`);
      return undefined;
    }
    if (values.length > 1) errors.push(`"${name}" given ${values.length} times`);
    const value = values[0]!.trim();
    if (value.length > MAX_GATE_VALUE_CHARS)
      errors.push(`"${name}" is longer than ${MAX_GATE_VALUE_CHARS} characters`);
    return value;
  };
  const list = (name: string): string[] => {
    const out = get(name)
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (out.some((v) => v.length > MAX_GATE_VALUE_CHARS))
      errors.push(`"${name}" has a value longer than ${MAX_GATE_VALUE_CHARS} characters`);
    return [...new Set(out)];
  };
  const service = single('service');
  const version = single('version');
  const baseline = list('baseline');
  const slos = list('slo');
  if (version !== undefined && baseline.includes(version))
    errors.push(`"baseline" must not include the version under test ("${version}")`);
  if (errors.length > 0 || service === undefined || version === undefined) return { ok: false, errors };
  return { ok: true, query: { service, version, baseline, slos } };
}
