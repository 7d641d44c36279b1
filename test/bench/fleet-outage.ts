/**
 * Outage-load benchmark (issue 5 §5): 20 agent replicas send real HTTP calls to the fault
 * provider while one model has a full 60 s outage (503 for every request, a time-window script).
 *
 * Three scenarios run side by side, each on its own model so the provider's exact per-model
 * counts separate them, with the same offered load (RATE logical requests/s per replica):
 *   (a) naive — 20 plain `openai` clients in this (uninstrumented) process, default maxRetries 2;
 *   (b) local — 20 agent-service processes (`@breakwater/node`, real `openai` client, default
 *       policies) on model `bench-local`, for which the collector's fleet breaker is disabled
 *       (`perDependency: { openai/bench-local: { enabled: false } }`): local breakers only;
 *   (c) fleet — the same 20 processes on model `bench-fleet`: local breakers plus fleet signals
 *       from a real collector (`breakwater serve`, default fleet policy) fed by real OTLP export
 *       with a 1 s interval.
 * Replicas are separate processes (not in-process runtimes): each has its own
 * `service.instance.id`, breaker registry, OTLP exporters and SSE subscription, exactly as
 * deployed; at RATE calls/s they are light enough for 2 cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { Collector, Provider, Replica } from '../fleet/cluster.ts';
import { stopAll } from '../harness/process.ts';

export interface OutageOptions {
  readonly replicas: number;
  /** Logical requests per second per replica, per scenario. */
  readonly rate: number;
  readonly warmupMs: number;
  readonly outageMs: number;
  /** Longest wait after the heal for every breaker to close. */
  readonly recoveryMaxMs: number;
  readonly log: (line: string) => void;
}

export interface ScenarioResult {
  /** Logical requests started during the outage. */
  readonly requests: number;
  /** Requests that reached the provider (answered 503) during the outage. */
  readonly providerCalls: number;
  readonly callsPerRequest: number;
  /** Outage start → every replica refuses locally (its breaker open, any source); NaN if never. */
  readonly timeToAllOpenS: number;
  /** Heal → every replica's breaker closed again (local, no override); NaN if not within the wait. */
  readonly timeToFullTrafficS: number;
  /** Outcomes of the outage's logical requests. */
  readonly outcomes: Record<string, number>;
}

export interface OutageResult {
  readonly naive: ScenarioResult;
  readonly local: ScenarioResult;
  readonly fleet: ScenarioResult;
  /** Outage start → every replica's breaker opened by the fleet signal. */
  readonly timeToFleetOpenS: number;
}

const MODELS = { naive: 'bench-naive', local: 'bench-local', fleet: 'bench-fleet' } as const;

const COLLECTOR_YAML = `
logLevel: warn
store: { kind: memory }
fleet:
  perDependency:
    "openai/${MODELS.local}": { enabled: false }
`;

type Event = [number, string];

/** Open-loop load from plain `openai` clients (no Breakwater), one per simulated replica. */
function naiveLoad(baseURL: string, replicas: number, rate: number, durationMs: number) {
  const events: Event[] = [];
  const clients = Array.from({ length: replicas }, (_, i) => new OpenAI({ apiKey: `naive-${i}`, baseURL }));
  const t0 = Date.now();
  const gap = 1000 / rate;
  let inFlight = 0;
  const timers = clients.map((client, i) => {
    let sent = 0;
    const offset = (gap * i) / replicas; // spread the replicas' schedules
    const tick = () => {
      const elapsed = Date.now() - t0 - offset;
      if (elapsed >= durationMs) return;
      const due = Math.floor(elapsed / gap) + 1;
      while (sent < due) {
        sent++;
        const startedAt = Date.now();
        inFlight++;
        client.chat.completions
          .create({ model: MODELS.naive, messages: [{ role: 'user', content: 'ping' }] })
          .then(
            () => events.push([startedAt, 'ok']),
            (e: { status?: number }) => events.push([startedAt, `error_${e.status ?? 'network'}`]),
          )
          .finally(() => inFlight--);
      }
    };
    return setInterval(tick, 20);
  });
  return {
    events,
    get inFlight() {
      return inFlight;
    },
    stop: () => {
      for (const t of timers) clearInterval(t);
    },
  };
}

function tally(
  events: readonly Event[],
  from: number,
  to: number,
): { n: number; outcomes: Record<string, number> } {
  const outcomes: Record<string, number> = {};
  let n = 0;
  for (const [t, o] of events) {
    if (t < from || t >= to) continue;
    n++;
    outcomes[o] = (outcomes[o] ?? 0) + 1;
  }
  return { n, outcomes };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Per replica: the first time ≥ `from` its breaker for `dependency` matched; max over replicas. */
function allReached(
  transitions: Array<Array<[number, string, string, string]>>,
  dependency: string,
  from: number,
  match: (state: string, source: string) => boolean,
): number {
  let worst = 0;
  for (const list of transitions) {
    const hit = list.find(([t, d, state, source]) => t >= from && d === dependency && match(state, source));
    if (hit === undefined) return Number.NaN;
    worst = Math.max(worst, hit[0] - from);
  }
  return worst / 1000;
}

/** Per replica: when its breaker last became closed/local after `from` (NaN if it is not closed). */
function allClosed(
  transitions: Array<Array<[number, string, string, string]>>,
  dependency: string,
  from: number,
): number {
  let worst = 0;
  for (const list of transitions) {
    const mine = list.filter(([, d]) => d === dependency);
    const lastEntry = mine.at(-1);
    if (lastEntry === undefined || lastEntry[2] !== 'closed' || lastEntry[3] !== 'local') return Number.NaN;
    worst = Math.max(worst, Math.max(lastEntry[0], from) - from);
  }
  return worst / 1000;
}

export async function measureOutage(o: OutageOptions): Promise<OutageResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-outage-bench-'));
  const startedAt = Date.now();
  let naive: ReturnType<typeof naiveLoad> | undefined;
  try {
    const [provider, collector] = await Promise.all([
      Provider.start(),
      Collector.start(path.join(dir, 'collector'), COLLECTOR_YAML),
    ]);
    const replicas: Replica[] = [];
    for (let i = 0; i < o.replicas; i += 5) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(5, o.replicas - i) }, (_, k) =>
          Replica.start({
            name: `r${String(i + k + 1).padStart(2, '0')}`,
            providerUrl: provider.url,
            collectorUrl: collector.url,
            serviceName: 'bench-agent',
            env: { OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_BSP_SCHEDULE_DELAY: '1000' },
            timeoutMs: 60_000,
          }),
        ),
      );
      replicas.push(...batch);
    }
    o.log(`outage: ${o.replicas} replica processes up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

    const totalMs = o.warmupMs + o.outageMs + o.recoveryMaxMs;
    naive = naiveLoad(`${provider.url}/v1`, o.replicas, o.rate, totalMs);
    await Promise.all(
      replicas.flatMap((r) => [
        r.startLoad(MODELS.local, o.rate, totalMs),
        r.startLoad(MODELS.fleet, o.rate, totalMs),
      ]),
    );
    await sleep(o.warmupMs);

    // The outage: every request for the three models gets 503 for outageMs, then they heal.
    await provider.resetStats();
    const outageStart = Date.now();
    await provider.script(
      Object.values(MODELS).map((model) => ({
        route: 'openai.chat',
        model,
        steps: [{ fault: 'error', status: 503, durationMs: o.outageMs }],
      })),
    );
    await sleep(outageStart + o.outageMs - Date.now());
    const healAt = outageStart + o.outageMs;
    const providerCalls = {
      naive: await provider.count(MODELS.naive, 'error_503'),
      local: await provider.count(MODELS.local, 'error_503'),
      fleet: await provider.count(MODELS.fleet, 'error_503'),
    };
    o.log(`outage: ${o.outageMs / 1000} s outage over; waiting for every breaker to close`);

    // Recovery: until every replica's breakers for both models are closed again (or the cap).
    const recoveryDeadline = healAt + o.recoveryMaxMs;
    for (;;) {
      const states = await Promise.all(replicas.map((r) => r.state()));
      const closed = (dep: string) =>
        states.every((s) => s.breakers[dep]?.state === 'closed' && s.breakers[dep]?.source === 'local');
      if (closed(`openai/${MODELS.local}`) && closed(`openai/${MODELS.fleet}`)) break;
      if (Date.now() > recoveryDeadline) break;
      await sleep(1_000);
    }
    naive.stop();
    await Promise.all(replicas.map((r) => r.stopLoads()));
    const states = await Promise.all(replicas.map((r) => r.state()));
    const transitions = states.map((s) => s.transitions);
    const loads = await Promise.all(
      replicas.map((r) => Promise.all([r.load(MODELS.local), r.load(MODELS.fleet)])),
    );
    const outageEnd = healAt;

    const scenario = (
      name: keyof typeof MODELS,
      events: readonly Event[],
      dependency?: string,
    ): ScenarioResult => {
      const { n, outcomes } = tally(events, outageStart, outageEnd);
      return {
        requests: n,
        providerCalls: providerCalls[name],
        callsPerRequest: n === 0 ? Number.NaN : providerCalls[name] / n,
        timeToAllOpenS:
          dependency === undefined
            ? Number.NaN
            : allReached(transitions, dependency, outageStart, (s) => s === 'open'),
        timeToFullTrafficS: dependency === undefined ? 0 : allClosed(transitions, dependency, healAt),
        outcomes,
      };
    };
    const localEvents = loads.flatMap(([local]) => local.events);
    const fleetEvents = loads.flatMap(([, fleet]) => fleet.events);
    const result: OutageResult = {
      naive: scenario('naive', naive.events),
      local: scenario('local', localEvents, `openai/${MODELS.local}`),
      fleet: scenario('fleet', fleetEvents, `openai/${MODELS.fleet}`),
      timeToFleetOpenS: allReached(
        transitions,
        `openai/${MODELS.fleet}`,
        outageStart,
        (s, source) => s === 'open' && source === 'fleet',
      ),
    };
    for (const name of ['naive', 'local', 'fleet'] as const) {
      const r = result[name];
      o.log(
        `outage ${name}: ${r.requests} logical requests, ${r.providerCalls} reached the provider → ${round(r.callsPerRequest)} per request; outcomes ${JSON.stringify(r.outcomes)}`,
      );
    }
    o.log(
      `outage: every replica refusing locally after ${round(result.local.timeToAllOpenS, 2)} s (local only), ${round(result.fleet.timeToAllOpenS, 2)} s (fleet); every replica opened by the fleet signal after ${round(result.timeToFleetOpenS, 2)} s`,
    );
    o.log(`outage: total ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
    return result;
  } finally {
    naive?.stop();
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

export { round };
