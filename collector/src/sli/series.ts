/**
 * A series within an SLO: one service, one `service.version` and the values of the SLO's
 * `groupBy` dimensions. Encoded as a JSON array so the store can treat it as an opaque string.
 */
export interface SeriesLabels {
  service: string;
  /** `service.version`, `''` when the span carried none. */
  version: string;
  /** Values of the SLO's `groupBy` dimensions, in order (`''` when absent). */
  dims: readonly string[];
}

/** Encodes {@link SeriesLabels} as the store's series id. */
export function encodeSeries(labels: SeriesLabels): string {
  return JSON.stringify([labels.service, labels.version, ...labels.dims]);
}

/**
 * Decodes a series id; `undefined` when it does not have `dimCount` dimensions (the SLO's
 * `groupBy` changed since the counts were stored: such series are ignored, not misread).
 */
export function decodeSeries(series: string, dimCount: number): SeriesLabels | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(series);
  } catch {
    return undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== dimCount + 2 ||
    !parsed.every((v) => typeof v === 'string')
  ) {
    return undefined;
  }
  const [service, version, ...dims] = parsed as string[];
  return { service: service!, version: version!, dims };
}
