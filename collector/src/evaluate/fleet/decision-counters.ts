import type { OverrideState } from '@breakwater/protocol';

/** The state changes of one dependency key (`breakwater_fleet_decisions_total`). */
export interface DecisionCount {
  dependency: string;
  service: string | undefined;
  /** State changes into each state since start (or since the key's counters were dropped). */
  counts: Record<OverrideState, number>;
}

/**
 * Decision counters per dependency key, bounded by the number of keys the fleet breaker may
 * track. A tracked key always keeps its counters. A key the breaker forgot (idle, nothing in
 * force) keeps them too while there is room, so its series does not vanish from `/metrics`; once
 * `maxKeys` keys have counters, those of the key forgotten longest ago are dropped first. Keys
 * made up by an ingest client thus cannot grow memory or `/metrics` without limit, and a real
 * key's counter restarts from zero only after that many other keys came and went (Prometheus
 * reads it as a counter reset).
 */
export class DecisionCounters {
  private readonly maxKeys: number;
  private readonly entries = new Map<string, DecisionCount>();
  /** Keys no longer tracked whose counters are still kept, forgotten longest ago first. */
  private readonly forgotten = new Set<string>();
  private droppedKeys = 0;

  constructor(maxKeys: number) {
    this.maxKeys = maxKeys;
  }

  /** Counts one state change of `key`. */
  count(key: string, dependency: string, service: string | undefined, state: OverrideState): void {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { dependency, service, counts: { open: 0, half_open: 0, closed: 0 } };
      this.entries.set(key, entry);
      this.trim();
    }
    entry.counts[state]++;
  }

  /** `key` is tracked (again): its counters are no longer the first to go. */
  tracked(key: string): void {
    this.forgotten.delete(key);
  }

  /** The fleet breaker forgot `key`: its counters stay while there is room. */
  untracked(key: string): void {
    if (!this.entries.has(key)) return;
    this.forgotten.add(key);
    this.trim();
  }

  /** Every key's counters. */
  values(): IterableIterator<DecisionCount> {
    return this.entries.values();
  }

  /** Every key with counters. */
  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** Keys with counters. */
  get size(): number {
    return this.entries.size;
  }

  /** Keys whose counters were dropped since start to stay within the bound. */
  get dropped(): number {
    return this.droppedKeys;
  }

  private trim(): void {
    // Tracked keys number at most maxKeys, so forgotten ones always make enough room.
    for (const key of this.forgotten) {
      if (this.entries.size <= this.maxKeys) return;
      this.forgotten.delete(key);
      this.entries.delete(key);
      this.droppedKeys++;
    }
  }
}
