import { MAX_LABEL_CHARS, MAX_SERVICE_CHARS, MAX_VERSION_CHARS } from '../decode/identity.ts';

/**
 * A series within an SLO: one service, one `service.version` and the values of the SLO's
 * `groupBy` dimensions. Encoded as JSON so the store can treat it as an opaque string:
 * `[service, version]` without `groupBy`, else `[service, version, { <dimension>: value, … }]`.
 * The dimension names are part of the id, so counts stored under another `groupBy` never match.
 */
export interface SeriesLabels {
  service: string;
  /** `service.version`, `''` when the span carried none. */
  version: string;
  /** Values of the SLO's `groupBy` dimensions, in order (`''` when absent). */
  dims: readonly string[];
}

/**
 * The label value of what an SLO's overflow series stand for beyond its `maxSeries` limit: the
 * version and each `groupBy` dimension of a service's own overflow series, and every label
 * (service too) of the SLO's fleet overflow series.
 */
export const OVERFLOW_LABEL_VALUE = '__overflow__';

/** Encodes {@link SeriesLabels} as the store's series id, naming the dimensions after `groupBy`. */
export function encodeSeries(labels: SeriesLabels, groupBy: readonly string[]): string {
  if (labels.dims.length === 0) return JSON.stringify([labels.service, labels.version]);
  const named: Record<string, string> = {};
  for (let i = 0; i < groupBy.length; i++) named[groupBy[i]!] = labels.dims[i] ?? '';
  return JSON.stringify([labels.service, labels.version, named]);
}

/**
 * The labels of an overflow series (see {@link OVERFLOW_LABEL_VALUE}): `service`'s own, or the
 * SLO's fleet overflow series when `service` is itself {@link OVERFLOW_LABEL_VALUE}.
 */
export function overflowLabels(dimCount: number, service = OVERFLOW_LABEL_VALUE): SeriesLabels {
  return {
    service,
    version: OVERFLOW_LABEL_VALUE,
    dims: new Array<string>(dimCount).fill(OVERFLOW_LABEL_VALUE),
  };
}

/**
 * Where the counts of a retired series go (see `sli/retire.ts`): its service's overflow version
 * with the same `groupBy` values, so every sum over versions (each service × `groupBy` group's,
 * the service's, the SLO's) keeps them. Without `groupBy` it is the service's own overflow
 * series.
 */
export function retiredLabels(labels: SeriesLabels): SeriesLabels {
  return { service: labels.service, version: OVERFLOW_LABEL_VALUE, dims: labels.dims };
}

/**
 * Which overflow series `labels` name: `'fleet'` (any service's events, see
 * {@link overflowLabels}), `'service'` (one service's), or undefined for an ordinary series.
 */
export function overflowKind(labels: SeriesLabels): 'fleet' | 'service' | undefined {
  if (labels.version !== OVERFLOW_LABEL_VALUE || labels.dims.some((d) => d !== OVERFLOW_LABEL_VALUE))
    return undefined;
  return labels.service === OVERFLOW_LABEL_VALUE ? 'fleet' : 'service';
}

/**
 * Decodes a series id stored under the SLO's current `groupBy`; `undefined` when the series
 * was stored under other dimensions (the SLO's `groupBy` changed since): such series are
 * ignored, not misread. Ids from before dimension names were stored are ignored too when the
 * SLO has dimensions (nothing tells which dimensions they held), and so are ids with a label
 * longer than the decoders now keep (stored before labels were capped, see
 * `decode/identity.ts`): megabytes-long labels would make every `/metrics` scrape fail until
 * they aged out of the SLO window.
 */
export function decodeSeries(series: string, groupBy: readonly string[]): SeriesLabels | undefined {
  // Checked before parsing: an id of over-long labels is not parsed on every evaluation.
  if (series.length > maxSeriesChars(groupBy)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(series);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string')
    return undefined;
  const [service, version] = parsed as [string, string];
  if (service.length > MAX_SERVICE_CHARS || version.length > MAX_VERSION_CHARS) return undefined;
  if (groupBy.length === 0) return parsed.length === 2 ? { service, version, dims: [] } : undefined;
  if (parsed.length !== 3 || !isRecord(parsed[2])) return undefined;
  const named = parsed[2];
  if (Object.keys(named).length !== groupBy.length) return undefined;
  const dims: string[] = [];
  for (const name of groupBy) {
    const value = named[name];
    if (typeof value !== 'string' || value.length > MAX_LABEL_CHARS) return undefined;
    dims.push(value);
  }
  return { service, version, dims };
}

/**
 * The longest id {@link encodeSeries} makes for labels within the caps: JSON escapes a character
 * as up to six (`\u001f`), plus the punctuation.
 */
function maxSeriesChars(groupBy: readonly string[]): number {
  let max = 6 * (MAX_SERVICE_CHARS + MAX_VERSION_CHARS) + 16;
  for (const name of groupBy) max += 6 * (name.length + MAX_LABEL_CHARS) + 8;
  return max;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
