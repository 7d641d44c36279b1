/**
 * Exact counts of the requests that reached the provider, per route, model and outcome. Other
 * tests assert "exactly N requests arrived" with these, so every API request is counted once,
 * when its outcome is decided, before any latency or fault is applied.
 */
import type { RouteId } from './faults/types.ts';

/**
 * What happened to a request: `ok`, `error_<status>` (e.g. `error_503`), `hang`, `reset`,
 * `stream_error`, or `invalid_request` (the body failed the route's own validation).
 */
export type Outcome = 'ok' | `error_${number}` | 'hang' | 'reset' | 'stream_error' | 'invalid_request';

/** Counts for one group of requests. */
export interface Counts {
  total: number;
  outcomes: Record<string, number>;
}

/** The snapshot served by `GET /_stats`. */
export interface FaultProviderStats extends Counts {
  routes: Record<string, Counts & { models: Record<string, Counts> }>;
}

/** Narrows a count to some route, model and/or outcome; omitted fields match everything. */
export interface StatsFilter {
  route?: RouteId;
  model?: string;
  outcome?: string;
}

export class StatsRecorder {
  // route → model → outcome → count. Maps keep the hot path allocation-free after warm-up.
  private readonly counts = new Map<string, Map<string, Map<string, number>>>();

  record(route: RouteId, model: string, outcome: Outcome): void {
    let models = this.counts.get(route);
    if (models === undefined) {
      models = new Map();
      this.counts.set(route, models);
    }
    let outcomes = models.get(model);
    if (outcomes === undefined) {
      outcomes = new Map();
      models.set(model, outcomes);
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }

  reset(): void {
    this.counts.clear();
  }

  /** How many requests match the filter. */
  count(filter: StatsFilter = {}): number {
    let n = 0;
    for (const [route, models] of this.counts) {
      if (filter.route !== undefined && filter.route !== route) continue;
      for (const [model, outcomes] of models) {
        if (filter.model !== undefined && filter.model !== model) continue;
        for (const [outcome, c] of outcomes) {
          if (filter.outcome === undefined || filter.outcome === outcome) n += c;
        }
      }
    }
    return n;
  }

  snapshot(): FaultProviderStats {
    const all: FaultProviderStats = { total: 0, outcomes: {}, routes: {} };
    for (const [route, models] of this.counts) {
      const r: Counts & { models: Record<string, Counts> } = { total: 0, outcomes: {}, models: {} };
      all.routes[route] = r;
      for (const [model, outcomes] of models) {
        const m: Counts = { total: 0, outcomes: {} };
        // Model names come from requests: an assignment to `__proto__` would set the prototype
        // rather than list the model.
        Object.defineProperty(r.models, model, {
          value: m,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        for (const [outcome, c] of outcomes) {
          for (const target of [all, r, m]) {
            target.total += c;
            target.outcomes[outcome] = (target.outcomes[outcome] ?? 0) + c;
          }
        }
      }
    }
    return all;
  }
}
