/**
 * A synthetic fleet for the status page at scale (its browser test and benchmark): SLO statuses,
 * dependencies and SDK breaker states in the shapes the real sources hand out, sized by the
 * number of SLO table rows, with one group that can be made to burn.
 */
import type { BreakerSignal, SloGroupStatus, SloStatus } from '@breakwater/protocol';
import type { FleetBreakerState } from '../../../breaker-states/breaker-state-table.ts';
import type { DependencyView } from '../../../evaluate/fleet/fleet-breaker.ts';
import type { StatusSources } from '../types.ts';

const SLOS = ['availability', 'latency', 'tool-availability', 'tool-latency'];
const WINDOWS = ['5m', '30m', '1h', '6h', '3d'];

/** Name of service `i` (zero-padded, so names sort as numbers). */
export function serviceName(i: number): string {
  return `service-${String(i).padStart(4, '0')}`;
}

/** A fleet with SLO tables of about `rows` rows (every fourth service runs a canary). */
export function syntheticFleet(rows: number) {
  // Per service: one row per SLO, plus two version rows for every fourth service.
  const services = Math.max(1, Math.round(rows / SLOS.length / 1.5));
  let tick = 0;
  let burning = -1;
  let signalled = 0;
  const started = Date.now();
  const group = (s: number, slo: number, version?: string): SloGroupStatus => {
    const hot = s === burning && slo === 0;
    const ratio = hot ? 0.2 : ((s * 7 + slo * 13 + tick) % 100) / 100_000;
    return {
      service: serviceName(s),
      ...(version === undefined ? {} : { version }),
      labels: { operation: 'chat' },
      windows: WINDOWS.map((window, i) => ({
        window,
        good: 10_000 * (i + 1) - Math.round(ratio * 10_000 * (i + 1)),
        total: 10_000 * (i + 1),
        errorRatio: ratio,
        burnRate: ratio / 0.005,
      })),
      budgetRemaining: hot ? -0.4 : 1 - ratio * 100,
      exhaustionEtaMs: null,
      alerts: hot
        ? [
            {
              severity: 'page',
              longWindow: '1h',
              shortWindow: '5m',
              threshold: 14.4,
              longBurnRate: 40,
              shortBurnRate: 40,
            },
          ]
        : [],
      level: hot ? 'emergency' : 'ok',
      topErrorCategories: hot ? [{ category: 'server_error', count: 120 }] : [],
      exampleTraceIds: [],
    };
  };
  const slos = (): SloStatus[] =>
    SLOS.map((name, slo) => ({
      name,
      tier: 'business',
      sli: name.endsWith('latency') ? 'latency' : 'availability',
      objective: 0.995,
      window: '30d',
      evaluatedAt: Date.now(),
      groupBy: ['operation'],
      groups: Array.from({ length: services }, (_, s) =>
        s % 4 === 0 ? [group(s, slo), group(s, slo, '1.4.0'), group(s, slo, '1.5.0')] : [group(s, slo)],
      ).flat(),
    }));
  const dependencies = (): DependencyView[] =>
    Array.from({ length: Math.ceil(services / 2) }, (_, d) => ({
      dependency: `openai/gpt-${d}`,
      service: undefined,
      state: 'closed',
      allow: undefined,
      windows: [10_000, 60_000].map((durationMs) => ({
        durationMs,
        stats: {
          calls: 100,
          failures: tick % 3,
          ratio: (tick % 3) / 100,
          failingInstances: 0,
          reportingInstances: 4,
          topErrorTypes: [],
        },
      })),
    }));
  const breakerStates = (): FleetBreakerState[] =>
    Array.from({ length: services }, (_, i) => ({
      service: serviceName(i),
      instanceId: `pod-${i}`,
      dependency: `openai/gpt-${i % 50}`,
      state: 'closed',
      timeMs: 0,
      receivedAtMs: 0,
    }));
  // Signal i issued i seconds after the fleet started (the last the newest), for ten minutes.
  const signals = (): BreakerSignal[] =>
    Array.from({ length: signalled }, (_, i) => ({
      id: `sig-${i}`,
      kind: 'breaker',
      dependency: `openai/gpt-${i}`,
      state: i % 3 === 0 ? 'half_open' : 'open',
      ...(i % 3 === 0 ? { allow: 0.25 } : {}),
      ttlMs: started + i * 1_000 + 600_000 - Date.now(),
      issuedAt: started + i * 1_000,
      reason: {
        errorRatio: 0.6,
        window: '10s',
        volume: 50,
        instances: 3,
        topErrorTypes: [{ type: '503', count: 30 }],
      },
    }));
  return {
    /** Services in the fleet. */
    services,
    /** Status sources reading this fleet. */
    sources: { slos, dependencies, breakerStates, signals } satisfies StatusSources,
    /** Moves every SLO's counts a little, as traffic does between two evaluations. */
    advance(): void {
      tick++;
    },
    /** Fleet signals in force from now on: `count` of them (every third ramping). */
    signal(count: number): void {
      signalled = count;
    },
    /** Makes service `i`'s first SLO burn its budget (a page firing), and only that one. */
    burn(i: number): void {
      burning = i;
    },
  };
}
