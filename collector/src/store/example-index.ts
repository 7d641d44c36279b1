import { EXAMPLES_PER_SERIES } from './types.ts';

const NONE: readonly string[] = Object.freeze([]);

/**
 * Each series' most recent bad-event trace ids, newest first, so an alert or an incident report
 * can link to traces of the failures it describes. Stores keep one next to their counts.
 */
export class ExampleIndex {
  private readonly lists = new Map<string, readonly string[]>();

  get(slo: string, series: string): readonly string[] {
    return this.lists.get(key(slo, series)) ?? NONE;
  }

  /** The series' list once `newest` (newest first) is added in front: not stored yet. */
  merged(slo: string, series: string, newest: readonly string[]): readonly string[] {
    return mergeExamples(newest, this.get(slo, series));
  }

  set(slo: string, series: string, list: readonly string[]): void {
    this.lists.set(key(slo, series), list);
  }

  /** Moves the lists of SLO `from` to SLO `to`, replacing what `to` had. */
  renameSlo(from: string, to: string): void {
    const moved: [string, readonly string[]][] = [];
    for (const [k, list] of [...this.lists]) {
      const slo = k.slice(0, k.indexOf('\u0000'));
      if (slo === to) this.lists.delete(k);
      else if (slo === from) {
        this.lists.delete(k);
        moved.push([key(to, k.slice(slo.length + 1)), list]);
      }
    }
    for (const [k, list] of moved) this.lists.set(k, list);
  }

  /** Forgets the series `held` says are gone (they aged out of every window). */
  retain(held: (slo: string, series: string) => boolean): void {
    for (const k of [...this.lists.keys()]) {
      const at = k.indexOf('\u0000');
      if (!held(k.slice(0, at), k.slice(at + 1))) this.lists.delete(k);
    }
  }
}

/** `newest` in front of `older`, each trace once, at most {@link EXAMPLES_PER_SERIES}. */
export function mergeExamples(newest: readonly string[], older: readonly string[]): readonly string[] {
  return [...new Set([...newest, ...older])].slice(0, EXAMPLES_PER_SERIES);
}

function key(slo: string, series: string): string {
  return `${slo}\u0000${series}`;
}
