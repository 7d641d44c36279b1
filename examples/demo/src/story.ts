/**
 * The scripted story. Each stage acts (through the fault provider's control API or by starting
 * and stopping replicas), then asserts what must follow with a time limit; a missed assertion
 * throws {@link StageFailure} naming the stage.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Counts, FaultProviderClient } from '@breakwater/fault-provider';
import type { ActiveSignals, BreakerSignal, GateAnswer, SloStatus } from '@breakwater/protocol';
import type { Child, Children } from './children.ts';
import { collectorConfig, GATE_SLO, SERVICE } from './config.ts';
import { getJson, request } from './http.ts';
import type { DemoLog } from './log.ts';
import type { Timings } from './options.ts';
import { Replica, type ReplicaSpec } from './replicas.ts';

/** A stage did not happen as told. */
export class StageFailure extends Error {
  override readonly name = 'StageFailure';
  readonly stage: string;
  constructor(stage: string, message: string) {
    super(message);
    this.stage = stage;
  }
}

/** The demo was interrupted (Ctrl-C) while a stage was waiting. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

export const MODEL = 'gpt-4o-mini';
export const CANARY_MODEL = 'gpt-4.1-mini';
const DEPENDENCY = `openai/${MODEL}`;
const CANARY_FAULT_RATE = 0.3;

/** Reason codes meaning "not enough traffic yet" (as `GATE_NO_DATA_CODES` in the protocol). */
const NO_DATA = new Set(['insufficient_data', 'no_data']);

export interface StoryContext {
  readonly log: DemoLog;
  readonly children: Children;
  readonly timings: Timings;
  readonly dataDir: string;
  /** Set on Ctrl-C: every wait stops. */
  readonly interrupted: () => boolean;
}

export class Story {
  collectorUrl = '';
  providerUrl = '';
  private replicas: Replica[] = [];
  private faultProvider: Child | undefined;
  /** The fault provider's control API, once it listens. */
  private providerControl: FaultProviderClient | undefined;
  private readonly log: DemoLog;
  private readonly t: Timings;
  private readonly ctx: StoryContext;

  constructor(ctx: StoryContext) {
    this.ctx = ctx;
    this.log = ctx.log;
    this.t = ctx.timings;
  }

  /** Plays every stage; throws {@link StageFailure} at the first that did not happen. */
  async play(): Promise<void> {
    await this.setup();
    await this.healthy();
    await this.outage();
    await this.open();
    await this.healAndRamp();
    await this.canary();
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────

  /** Polls `probe` until it yields a value; fails the stage after `timeoutMs`. */
  private async until<T>(
    stage: string,
    what: string,
    timeoutMs: number,
    probe: () => T | undefined | false | Promise<T | undefined | false>,
    intervalMs = 200,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      this.check(stage);
      try {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) {
        const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
        throw new StageFailure(stage, `${what} did not happen within ${timeoutMs / 1000}s${cause}`);
      }
      await sleep(intervalMs);
    }
  }

  /** Waits `ms`, failing early when a child crashes or the demo is interrupted. */
  private async hold(stage: string, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      this.check(stage);
      await sleep(Math.min(200, end - Date.now()));
    }
    this.check(stage);
  }

  private check(stage: string): void {
    if (this.ctx.interrupted()) throw new Interrupted('interrupted');
    const crashed = this.ctx.children.crashed;
    if (crashed !== undefined) throw new StageFailure(stage, crashed);
  }

  private get provider(): FaultProviderClient {
    if (this.providerControl === undefined) throw new Error('the fault provider has not started');
    return this.providerControl;
  }

  private async activeSignal(): Promise<BreakerSignal | undefined> {
    const active = await getJson<ActiveSignals>(`${this.collectorUrl}/v1/signals/active`);
    return active.signals.find((s) => s.dependency === DEPENDENCY);
  }

  private async providerStats(model: string): Promise<Counts> {
    const stats = await this.provider.stats();
    return stats.routes['openai.chat']?.models[model] ?? { total: 0, outcomes: {} };
  }

  private startReplica(spec: ReplicaSpec): Replica {
    const replica = new Replica(spec, this.ctx.children, {
      collectorUrl: this.collectorUrl,
      providerUrl: this.providerUrl,
      serviceName: SERVICE,
      breakerOpenMs: this.t.localBreakerOpenMs,
    });
    return replica;
  }

  private async waitReady(stage: string, replicas: readonly Replica[]): Promise<void> {
    await this.until(
      stage,
      `replicas ${ids(replicas)} ready with the control stream connected`,
      this.t.limits.start,
      () => replicas.every((r) => r.ready && r.controlConnected),
    );
  }

  // ── stages ───────────────────────────────────────────────────────────────────────────────

  private async setup(): Promise<void> {
    const stage = 'setup';
    const { children, dataDir } = this.ctx;
    await mkdir(dataDir, { recursive: true });
    const configFile = path.join(dataDir, 'collector.yaml');
    await writeFile(configFile, collectorConfig(this.t));

    const fp = children.start('fault-provider', 'examples/fault-provider/src/cli.ts', ['--port', '0']);
    this.faultProvider = fp;
    let providerUrl: string | undefined;
    fp.onLine((line) => {
      providerUrl ??= /fault-provider listening on (http:\/\/\S+)/.exec(line)?.[1];
    });
    const collector = children.start('collector', 'collector/src/cli/main.ts', [
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--data-dir',
      dataDir,
      '--config',
      configFile,
    ]);
    let collectorUrl: string | undefined;
    collector.onLine((line) => {
      if (collectorUrl !== undefined || !line.includes('collector ready')) return;
      try {
        collectorUrl = (JSON.parse(line) as { url?: string }).url;
      } catch {
        // not a log line
      }
    });
    this.providerUrl = await this.until(
      stage,
      'the fault provider listening',
      this.t.limits.start,
      () => providerUrl,
    );
    this.providerControl = new FaultProviderClient(this.providerUrl);
    this.collectorUrl = await this.until(
      stage,
      'the collector ready',
      this.t.limits.start,
      () => collectorUrl,
    );
    this.log.line(stage, `data dir        ${dataDir}`, 'dim');
    this.log.line(stage, `fault provider  ${this.providerUrl}  (pid ${fp.pid})`, 'dim');
    this.log.line(stage, `collector       ${this.collectorUrl}  (pid ${collector.pid})`, 'dim');
    const page = await request('GET', `${this.collectorUrl}/`).catch(() => ({ status: 0 }));
    const note = page.status === 200 ? '' : `  (not served by this collector build yet: ${page.status})`;
    this.log.line(stage, `status page     ${this.log.paint(`${this.collectorUrl}/`, 'bold')}${note}`, 'dim');

    this.replicas = ['r1', 'r2', 'r3'].map((id) =>
      this.startReplica({ id, version: 'v1', model: MODEL, rate: this.t.rate }),
    );
    await this.waitReady(stage, this.replicas);
    this.log.line(
      stage,
      `3 replicas of ${SERVICE} v1 (${this.replicas.map((r) => `${r.id} pid ${r.child.pid}`).join(', ')}): ` +
        `${MODEL}, ${this.t.rate} questions/s each, canned-reply fallback, fleet control on`,
      'dim',
    );
  }

  private async healthy(): Promise<void> {
    const stage = '1 healthy';
    const before = this.replicas.map((r) => r.stats.model);
    await this.hold(stage, this.t.healthyMs);
    await this.until(stage, 'every replica answering from the model', this.t.limits.start, () =>
      this.replicas.every((r, i) => r.stats.model > before[i]!),
    );
    const events = await this.until(
      stage,
      `the collector counting ${SERVICE}'s chat calls`,
      10_000,
      async () => {
        const slo = await getJson<SloStatus>(`${this.collectorUrl}/v1/slos/${GATE_SLO}`);
        const group = slo.groups.find((g) => g.service === SERVICE && g.version === undefined);
        const w = group?.windows.find((x) => x.window === '5m');
        return w !== undefined && w.total > 0 ? w : undefined;
      },
    );
    const provider = await this.providerStats(MODEL);
    const errors = provider.total - (provider.outcomes.ok ?? 0);
    if (errors > 0) throw new StageFailure(stage, `the provider failed ${errors} calls before any fault`);
    this.log.line(
      stage,
      `answers from the model: ${this.replicas.map((r) => `${r.id} ${r.stats.model}`).join(', ')}; ` +
        `provider ${provider.total} calls, 0 errors; collector: SLO ${GATE_SLO} ${pct(events.good / events.total)} of ${events.total} calls`,
      'green',
    );
  }

  private async outage(): Promise<void> {
    const stage = '2 outage';
    const before = await this.providerStats(MODEL);
    await this.provider.script({
      route: 'openai.chat',
      model: MODEL,
      steps: [
        { fault: 'error', status: 503, count: 1 },
        { fault: 'error', status: 529, count: 1 },
      ],
      repeat: true,
    });
    this.log.line(
      stage,
      `fault provider: every chat call to ${MODEL} now fails (503 / 529 overloaded)`,
      'red',
    );
    const failed = await this.until(stage, `replicas hitting the ${MODEL} outage`, 10_000, async () => {
      const now = await this.providerStats(MODEL);
      const errors =
        (now.outcomes.error_503 ?? 0) +
        (now.outcomes.error_529 ?? 0) -
        (before.outcomes.error_503 ?? 0) -
        (before.outcomes.error_529 ?? 0);
      return errors >= 10 ? errors : undefined;
    });
    this.log.line(stage, `replicas retry and fail: ${failed} failed calls at the provider so far`, 'red');
  }

  private async open(): Promise<void> {
    const stage = '3 open';
    const signal = await this.until(
      stage,
      `the fleet breaker opening for ${DEPENDENCY} (GET /v1/signals/active)`,
      this.t.limits.open,
      async () => {
        const s = await this.activeSignal();
        return s?.state === 'open' ? s : undefined;
      },
    );
    const r = signal.reason;
    this.log.line(
      stage,
      `fleet breaker ${this.log.paint('OPEN', 'red')} for ${DEPENDENCY}: ${pct(r.errorRatio)} errors over ${r.window}, ` +
        `${r.volume} calls, ${r.instances} failing instances (${r.topErrorTypes.map((x) => `${x.type} ×${x.count}`).join(', ')}); ttl ${Math.round(signal.ttlMs / 1000)}s`,
      'yellow',
    );
    await this.until(stage, 'every replica applying the open fleet signal', this.t.limits.fallbacks, () =>
      this.replicas.every((x) => x.override?.state === 'open'),
    );
    this.log.line(
      stage,
      `${ids(this.replicas)} hold the fleet override: open (calls refused before the provider)`,
      'yellow',
    );

    const fleetBefore = this.replicas.map((x) => x.stats.byCause.fleet);
    await this.until(
      stage,
      'fallbacks served by every replica for fleet refusals',
      this.t.limits.fallbacks,
      () => this.replicas.every((x, i) => x.stats.byCause.fleet > fleetBefore[i]!),
    );
    const p0 = await this.providerStats(MODEL);
    const quiet = Math.max(1_000, this.t.holdOpenMs);
    await this.hold(stage, quiet);
    const p1 = await this.providerStats(MODEL);
    this.log.line(
      stage,
      `fallbacks serve: ${this.replicas.map((x, i) => `${x.id} +${x.stats.byCause.fleet - fleetBefore[i]!}`).join(', ')} canned replies; ` +
        `provider saw ${p1.total - p0.total} calls for ${MODEL} in ${(quiet / 1000).toFixed(1)}s`,
      'yellow',
    );
  }

  private async healAndRamp(): Promise<void> {
    let stage = '4 heal';
    await this.provider.clearFaults({ route: 'openai.chat', model: MODEL });
    this.log.line(
      stage,
      `fault provider: ${MODEL} healthy again (the fleet breaker stays open until its open period ends)`,
      'green',
    );

    stage = '4 ramp';
    let last: string | undefined;
    let stepStart = await this.providerStats(MODEL);
    const seen: number[] = [];
    const closed = await this.until(
      stage,
      `the fleet breaker ramping (half_open) and closing for ${DEPENDENCY}`,
      this.t.limits.ramp,
      async () => {
        const s = await this.activeSignal();
        const state = s?.state ?? 'closed';
        const key = `${state}:${s?.allow ?? ''}`;
        if (key === last) return undefined;
        const now = await this.providerStats(MODEL);
        const step = now.total - stepStart.total;
        const stepErrors = step - ((now.outcomes.ok ?? 0) - (stepStart.outcomes.ok ?? 0));
        const previous = last;
        last = key;
        stepStart = now;
        const during = previous?.startsWith('half_open')
          ? ` (previous step: ${step} calls reached the provider, ${stepErrors} failed)`
          : '';
        if (state === 'half_open') {
          seen.push(s?.allow ?? 0);
          this.log.line(
            stage,
            `fleet breaker HALF_OPEN: admitting ${pct(s?.allow ?? 0, 0)} of calls${during}`,
            'magenta',
          );
          return undefined;
        }
        if (state === 'open') {
          if (previous !== undefined) this.log.line(stage, `fleet breaker back to OPEN${during}`, 'red');
          return undefined;
        }
        if (seen.length === 0) {
          throw new StageFailure(
            stage,
            `the fleet breaker closed without a half_open ramp (last: ${previous})`,
          );
        }
        return { signal: s, during };
      },
      100,
    );
    stage = '4 closed';
    this.log.line(
      stage,
      `fleet breaker ${this.log.paint('CLOSED', 'green')} after ramping ${seen.map((a) => pct(a, 0)).join(' → ')}${closed.during}`,
      'green',
    );
    const modelBefore = this.replicas.map((r) => r.stats.model);
    await this.until(stage, 'every replica answering from the model again', this.t.limits.fallbacks, () =>
      this.replicas.every((r, i) => r.stats.model > modelBefore[i]! && r.override?.state !== 'open'),
    );
    this.log.line(
      stage,
      `replicas answering from the model again: ${this.replicas.map((r, i) => `${r.id} +${r.stats.model - modelBefore[i]!}`).join(', ')}`,
      'green',
    );
  }

  private async canary(): Promise<void> {
    const stage = '5 canary';
    const gateUrl = (version: string) =>
      `${this.collectorUrl}/v1/gate?service=${SERVICE}&version=${version}&baseline=v1&slo=${GATE_SLO}`;
    const probe = await request('GET', gateUrl('v1'));
    if (probe.status === 404) {
      this.log.line(
        stage,
        `SKIPPED: GET /v1/gate → 404 — the deployment gate is not wired into this collector yet`,
        'yellow',
      );
      return;
    }

    // v2: a new model the provider often refuses; the fallback hides it from users, the gate must not.
    await this.provider.script({
      route: 'openai.chat',
      model: CANARY_MODEL,
      steps: [{ fault: 'error', status: 503, retryAfter: 60, rate: CANARY_FAULT_RATE }],
    });
    const v2 = this.startReplica({
      id: 'canary-v2',
      version: 'v2',
      model: CANARY_MODEL,
      rate: this.t.canaryRate,
    });
    await this.waitReady(stage, [v2]);
    this.log.line(
      stage,
      `canary ${SERVICE} v2 on one replica (canary-v2, pid ${v2.child.pid}): new model ${CANARY_MODEL}; ` +
        `the provider fails ${pct(CANARY_FAULT_RATE, 0)} of its calls (503, Retry-After 60s)`,
      'blue',
    );
    await this.judge(stage, 'v2', gateUrl('v2'), 'ROLLBACK');
    await this.ctx.children.stop(v2.child);
    await this.provider.clearFaults({ route: 'openai.chat', model: CANARY_MODEL });
    this.log.line(
      stage,
      `rolled back: canary-v2 stopped (v2 served ${v2.stats.fallback} fallbacks, ${v2.stats.model} model answers)`,
      'blue',
    );

    const v3 = this.startReplica({ id: 'canary-v3', version: 'v3', model: MODEL, rate: this.t.canaryRate });
    await this.waitReady(stage, [v3]);
    this.log.line(
      stage,
      `canary ${SERVICE} v3 on one replica (canary-v3, pid ${v3.child.pid}): back on ${MODEL}`,
      'blue',
    );
    await this.judge(stage, 'v3', gateUrl('v3'), 'PROCEED');
    await this.ctx.children.stop(v3.child);
  }

  /** Polls the gate until it stops asking for data; fails unless the decision is `expected`. */
  private async judge(
    stage: string,
    version: string,
    url: string,
    expected: GateAnswer['decision'],
  ): Promise<GateAnswer> {
    let latest: GateAnswer | undefined;
    let reportedWait = false;
    try {
      return await this.until(
        stage,
        `the gate answering ${expected} for ${version}`,
        this.t.limits.gate,
        async () => {
          const answer = await request<GateAnswer>('GET', url);
          if (answer.status !== 200)
            throw new Error(`GET /v1/gate → ${answer.status} ${JSON.stringify(answer.body)}`);
          latest = answer.body;
          const waiting = latest.decision === 'HALT' && latest.reasons.some((r) => NO_DATA.has(r.code));
          if (waiting) {
            if (!reportedWait) {
              reportedWait = true;
              this.log.line(
                stage,
                `gate ${version} vs v1: waiting for traffic (${firstReason(latest)})`,
                'dim',
              );
            }
            return undefined;
          }
          if (latest.decision !== expected) return undefined;
          const ev = latest.slos.find((s) => s.slo === GATE_SLO);
          const sample = ev === undefined ? '' : `${ev.sample.total - ev.sample.good}/${ev.sample.total} bad`;
          const base =
            ev?.baselineSample === undefined
              ? ''
              : ` vs baseline ${ev.baselineSample.total - ev.baselineSample.good}/${ev.baselineSample.total}`;
          const colour = expected === 'PROCEED' ? 'green' : 'red';
          const decisive = latest.reasons.filter((r) => r.decision === latest!.decision);
          this.log.line(
            stage,
            `gate ${version} vs v1: ${this.log.paint(latest.decision, colour)} (${GATE_SLO}: ${sample}${base})` +
              (decisive.length > 0 ? `: ${decisive.map((r) => r.code).join(', ')}` : ''),
            colour,
          );
          const why =
            decisive.find((r) => r.code === 'worse_than_baseline') ?? decisive[0] ?? latest.reasons.at(-1);
          if (why !== undefined) this.log.line(stage, `  ${why.message}`, colour);
          return latest;
        },
        1_000,
      );
    } catch (error) {
      if (error instanceof StageFailure && latest !== undefined) {
        throw new StageFailure(
          stage,
          `${error.message}; last answer: ${latest.decision} — ${latest.reasons.map((r) => r.message).join('; ')}`,
        );
      }
      throw error;
    }
  }

  /** Stops the replicas and the fault provider, leaving the collector (for `--keep`). */
  async stopAllButCollector(): Promise<void> {
    const others = [
      ...this.replicas.map((r) => r.child),
      ...(this.faultProvider ? [this.faultProvider] : []),
    ];
    await Promise.all(others.map((c) => this.ctx.children.stop(c)));
  }
}

function ids(replicas: readonly Replica[]): string {
  return replicas.map((r) => r.id).join(' ');
}

function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

function firstReason(answer: GateAnswer): string {
  return answer.reasons[0]?.message ?? answer.decision;
}
