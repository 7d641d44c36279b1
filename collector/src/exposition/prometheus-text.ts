/**
 * Helpers for the Prometheus text exposition format 0.0.4, shared by every component's
 * `writeMetrics`. Metric families are written as a `# HELP` and `# TYPE` pair followed by their
 * samples; label values are escaped; numbers use Go's spellings for the special values.
 */

/** Content type of the exposition. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
export type Labels = Readonly<Record<string, string | number | undefined>>;

/** Appends the `# HELP` and `# TYPE` lines of a family. */
export function writeFamily(out: string[], name: string, type: MetricType, help: string): void {
  out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
}

/** Appends one sample line; labels with `undefined` values are left out. */
export function writeSample(out: string[], name: string, labels: Labels | undefined, value: number): void {
  out.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
}

/** `{a="x",b="y"}`, or '' without labels. */
export function formatLabels(labels: Labels | undefined): string {
  if (labels === undefined) return '';
  let out = '';
  for (const key in labels) {
    const value = labels[key];
    if (value === undefined) continue;
    out += `${out === '' ? '' : ','}${key}="${escapeLabelValue(String(value))}"`;
  }
  return out === '' ? '' : `{${out}}`;
}

/** Escapes backslash, double quote and newline, as the format requires. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** `NaN`, `+Inf`, `-Inf`, or the number. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/**
 * A counter keyed by a fixed set of label values, for the common "requests by status" case.
 * Keys are the label values joined with a separator that cannot occur in them unescaped.
 */
export class LabeledCounter {
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly string[];
  private readonly values = new Map<string, { labels: string[]; value: number }>();

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  add(labelValues: readonly string[], amount = 1): void {
    const key = labelValues.join('\u0000');
    const entry = this.values.get(key);
    if (entry === undefined) this.values.set(key, { labels: [...labelValues], value: amount });
    else entry.value += amount;
  }

  get(labelValues: readonly string[]): number {
    return this.values.get(labelValues.join('\u0000'))?.value ?? 0;
  }

  write(out: string[]): void {
    writeFamily(out, this.name, 'counter', this.help);
    for (const { labels, value } of this.values.values()) {
      const record: Record<string, string> = {};
      this.labelNames.forEach((n, i) => {
        record[n] = labels[i] ?? '';
      });
      writeSample(out, this.name, record, value);
    }
  }
}
