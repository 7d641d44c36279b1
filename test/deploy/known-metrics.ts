/** examples/deploy/known-metrics.json: the one list of metric names the deploy files may use. */
import { list, readJson, record, str } from './deploy-files.ts';

export interface KnownMetric {
  section: string;
  name: string;
  type: string;
  otel?: string;
  unit?: string;
  /** The labels its series carry (besides Prometheus' own `job` and `instance`). */
  labels: string[];
}

export function knownMetrics(): KnownMetric[] {
  const known = readJson('known-metrics.json');
  const out: KnownMetric[] = [];
  for (const [section, value] of Object.entries(known)) {
    if (section.startsWith('$')) continue;
    for (const metric of list(record(value, section).metrics, `${section}.metrics`)) {
      const entry = record(metric, section);
      out.push({
        section,
        name: str(entry.name, `${section}.name`),
        type: str(entry.type, `${section}.type`),
        ...(typeof entry.otel === 'string' ? { otel: entry.otel } : {}),
        ...(typeof entry.unit === 'string' ? { unit: entry.unit } : {}),
        labels: Array.isArray(entry.labels) ? entry.labels.map((l) => str(l, `${section}.labels[]`)) : [],
      });
    }
  }
  return out;
}

/** Every known series name; histogram families expand to _bucket, _sum and _count. */
export function knownSeries(): Set<string> {
  const names = new Set<string>();
  for (const { name, type } of knownMetrics()) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}
