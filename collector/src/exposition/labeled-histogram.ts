import { writeFamily, writeSample } from './prometheus-text.ts';

/**
 * A Prometheus histogram keyed by one label, with fixed bucket bounds. Observing is a bucket
 * search over a dozen bounds and two additions: cheap enough for every request.
 */
export class LabeledHistogram {
  readonly name: string;
  readonly help: string;
  private readonly label: string;
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();

  /** `bounds`: the buckets' upper bounds, ascending (`+Inf` is added). */
  constructor(name: string, help: string, label: string, bounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.label = label;
    this.bounds = bounds;
  }

  observe(labelValue: string, value: number): void {
    let entry = this.series.get(labelValue);
    if (entry === undefined) {
      entry = { counts: new Array<number>(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.series.set(labelValue, entry);
    }
    // Per-bucket counts; written out cumulatively, as the format wants.
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    if (i < this.bounds.length) entry.counts[i]!++;
    entry.sum += value;
    entry.count++;
  }

  /** How many values were observed under `labelValue`. */
  count(labelValue: string): number {
    return this.series.get(labelValue)?.count ?? 0;
  }

  write(out: string[]): void {
    writeFamily(out, this.name, 'histogram', this.help);
    for (const [value, { counts, sum, count }] of this.series) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += counts[i]!;
        writeSample(out, `${this.name}_bucket`, { [this.label]: value, le: this.bounds[i] }, cumulative);
      }
      writeSample(out, `${this.name}_bucket`, { [this.label]: value, le: '+Inf' }, count);
      writeSample(out, `${this.name}_sum`, { [this.label]: value }, sum);
      writeSample(out, `${this.name}_count`, { [this.label]: value }, count);
    }
  }
}
