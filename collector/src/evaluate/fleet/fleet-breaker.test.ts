import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BreakerSignal, BreakerSignalSchema, ManualClock } from '@breakwater/protocol';
import type { Logger } from '../../component.ts';
import { type SpanRecord, STATUS_ERROR } from '../../decode/span-record.ts';
import { attemptSpan } from '../../sli/testing/spans.ts';
import { parseFleetConfig } from './config.ts';
import { FleetBreaker } from './fleet-breaker.ts';
import { InstanceBudget } from './instance-budget.ts';

const DEP = 'openai/gpt-4o';

/** An attempt span of replica `i-1` calling {@link DEP}, overridable. */
function span(overrides: Partial<SpanRecord>): SpanRecord {
  return attemptSpan('i-1', false, { dependency: DEP, ...overrides });
}

const ok = (instanceId: string, extra: Partial<SpanRecord> = {}) => attemptSpan(instanceId, false, extra);
const overloaded = (instanceId: string, extra: Partial<SpanRecord> = {}) =>
  attemptSpan(instanceId, true, extra);

interface LogEntry {
  level: string;
  obj: object;
  msg: string | undefined;
}

function testLogger(entries: LogEntry[] = []): Logger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj, msg });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

function setup(section: unknown = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const logs: LogEntry[] = [];
  const fleet = new FleetBreaker({ config: parseFleetConfig(section), clock, logger: testLogger(logs) });
  const signals: BreakerSignal[] = [];
  fleet.onSignal((s) => signals.push(s));
  fleet.start();
  const feed = (spans: SpanRecord[], times = 1): void => {
    for (let i = 0; i < times; i++) fleet.record(spans);
  };
  return { clock, fleet, signals, logs, feed };
}

/** `n` copies of `make(instance)` for each instance. */
function many(n: number, instances: string[], make: (instance: string) => SpanRecord): SpanRecord[] {
  return instances.flatMap((i) => Array.from({ length: n }, () => make(i)));
}

describe('FleetBreaker: opening', () => {
  it('needs a quorum of failing instances: one bad replica cannot trip the fleet', async () => {
    const { clock, fleet, signals, feed } = setup();
    for (let s = 0; s < 15; s++) {
      feed([...many(10, ['i-1'], overloaded), ...many(1, ['i-2', 'i-3'], ok)]);
      await clock.advance(1_000);
    }
    assert.equal(signals.length, 0);
    assert.equal(fleet.view()[0]?.state, 'closed');

    feed(many(10, ['i-2'], overloaded));
    assert.equal(signals.length, 1);
    const signal = signals[0]!;
    assert.ok(BreakerSignalSchema.safeParse(signal).success);
    assert.equal(signal.state, 'open');
    assert.equal(signal.dependency, DEP);
    assert.equal(signal.service, undefined);
    assert.equal(signal.issuedAt, clock.now());
    assert.equal(signal.reason.instances, 2);
    assert.ok(signal.reason.errorRatio >= 0.5);
    // The 2 s window tripped: i-1's ten 529s of the second before and i-2's ten of this one.
    assert.equal(signal.reason.window, '2s');
    assert.deepEqual(signal.reason.topErrorTypes, [{ type: '529', count: 20 }]);
  });

  it('counts the very first second it sees a dependency: a burst there opens it', async () => {
    const { clock, signals, feed } = setup();
    await clock.advance(500); // mid-second: creation is not a state change to count from
    feed(many(10, ['i-1', 'i-2'], overloaded));
    assert.equal(signals.at(-1)?.state, 'open');
  });

  it('never opens on caller-side errors, policy refusals, operation spans or agent spans', async () => {
    const { clock, fleet, signals, feed } = setup({ quorum: 1 });
    const auth = (instanceId: string) =>
      span({
        instanceId,
        statusCode: STATUS_ERROR,
        errorType: '401',
        errorCategory: 'authentication',
        errorSource: 'caller',
      });
    const refused = (instanceId: string) =>
      span({
        instanceId,
        role: 'operation',
        statusCode: STATUS_ERROR,
        errorCategory: 'circuit_open',
        errorSource: 'policy',
      });
    const failedOperation = (instanceId: string) => overloaded(instanceId, { role: 'operation' });
    const plain401 = (instanceId: string) =>
      span({
        instanceId,
        role: undefined,
        statusCode: STATUS_ERROR,
        errorType: '401',
        dependency: 'api.example.com',
      });
    // agent() spans: INTERNAL, no role, a provider but no model (so the key `openai/_unknown`).
    const failedAgent = (instanceId: string) =>
      span({
        instanceId,
        role: undefined,
        kind: 1,
        operationName: 'invoke_agent',
        statusCode: STATUS_ERROR,
        errorCategory: 'tool_error',
        errorSource: 'dependency',
        dependency: 'openai/_unknown',
      });
    for (let s = 0; s < 70; s++) {
      feed([
        ...many(20, ['bad-key'], auth),
        ...many(5, ['i-2'], refused),
        ...many(5, ['i-3'], failedOperation),
        ...many(5, ['i-4'], plain401),
        ...many(5, ['i-5', 'i-6'], failedAgent),
        ...many(2, ['i-2', 'i-3'], ok),
      ]);
      await clock.advance(1_000);
    }
    assert.equal(signals.length, 0);
    assert.equal(fleet.counters.spans.failure, 0);
    assert.ok(fleet.counters.spans.ignored > 0);
    assert.ok(!fleet.view().some((d) => d.dependency === 'openai/_unknown'), 'no phantom dependency');
  });

  it('a remote agent service (a CLIENT invoke_agent span) is a dependency like any other', () => {
    const { fleet, feed } = setup({ quorum: 1 });
    const remote = (instanceId: string) =>
      span({
        instanceId,
        role: undefined,
        kind: 3,
        operationName: 'invoke_agent',
        statusCode: STATUS_ERROR,
        errorType: '503',
        dependency: 'aws.bedrock/agent-1',
      });
    feed(many(3, ['i-1'], remote));
    assert.equal(fleet.counters.spans.failure, 3);
  });

  it('counts plain spans without Breakwater attributes by their status (5xx fails)', () => {
    const { signals, feed } = setup({ quorum: 1, windows: [{ duration: '10s' }] });
    const plain = (instanceId: string) =>
      span({
        instanceId,
        role: undefined,
        statusCode: STATUS_ERROR,
        errorType: '503',
        dependency: 'api.example.com',
      });
    feed(many(10, ['i-1'], plain));
    assert.equal(signals[0]?.dependency, 'api.example.com');
  });

  it('protects a single-replica deployment when configured with quorum 1', () => {
    const { signals, feed } = setup({ perDependency: { 'openai/*': { quorum: 1 } } });
    feed(many(10, ['only'], overloaded));
    assert.equal(signals[0]?.state, 'open');
  });

  it('opens within the fast window at fleet scale although the long windows hold earlier successes', async () => {
    const { clock, signals, feed } = setup();
    const fleet20 = Array.from({ length: 20 }, (_, i) => `r-${i}`);
    for (let s = 0; s < 60; s++) {
      feed(many(2, fleet20, ok));
      await clock.advance(1_000);
    }
    const outageAt = clock.now();
    for (let s = 0; s < 3 && signals.length === 0; s++) {
      feed(many(2, fleet20, overloaded));
      await clock.advance(500);
      feed(many(2, fleet20, overloaded));
      await clock.advance(500);
    }
    assert.equal(signals[0]?.state, 'open');
    assert.equal(signals[0]?.reason.window, '2s');
    assert.ok(signals[0]!.issuedAt - outageAt <= 2_000, `opened after ${signals[0]!.issuedAt - outageAt} ms`);
  });

  it('scopes signals to a service when the dependency is configured per service', () => {
    const { signals, feed } = setup({ quorum: 1, perDependency: { 'tool/*': { scope: 'service' } } });
    const toolFail = (instanceId: string) =>
      overloaded(instanceId, { dependency: 'tool/search', service: 'researcher', errorType: 'ToolError' });
    feed(many(10, ['i-1'], toolFail));
    assert.equal(signals[0]?.service, 'researcher');
    assert.equal(signals[0]?.dependency, 'tool/search');
  });

  it('tracks no dependency key or scoped service too long for a signal (every SDK would drop it)', () => {
    const { fleet, signals, feed } = setup({ quorum: 1, perDependency: { 'tool/*': { scope: 'service' } } });
    const longKey = `openai/${'m'.repeat(600)}`;
    feed(many(10, ['i-1'], (i) => overloaded(i, { dependency: longKey })));
    const longService = (i: string) =>
      overloaded(i, { dependency: 'tool/search', service: 's'.repeat(300), errorType: 'ToolError' });
    feed(many(10, ['i-1'], longService));
    assert.deepEqual(signals, []);
    assert.equal(fleet.counters.spans.untracked, 20);
    // At the limits, a signal is issued and passes the schema.
    feed(many(10, ['i-1'], (i) => overloaded(i, { dependency: `openai/${'m'.repeat(505)}` })));
    assert.equal(signals.length, 1);
    assert.ok(BreakerSignalSchema.safeParse(signals[0]).success);
  });

  it('logs every decision and counts it', () => {
    const { fleet, logs, feed } = setup({ quorum: 1 });
    feed(many(10, ['i-1'], overloaded));
    const entry = logs.find((l) => l.level === 'warn');
    assert.match(entry?.msg ?? '', /fleet breaker open: failure ratio 100% ≥ 50%/);
    assert.equal([...fleet.counters.decisions.values()][0]?.counts.open, 1);
    assert.equal(fleet.counters.signals.open, 1);
  });
});

describe('FleetBreaker: open, ramp, close', () => {
  /** Opens the breaker with quorum 1 and returns the setup. */
  function opened(section: Record<string, unknown> = {}) {
    const t = setup({ quorum: 1, ...section });
    t.feed(many(10, ['i-1', 'i-2'], overloaded));
    assert.equal(t.signals.at(-1)?.state, 'open');
    return t;
  }

  it('re-issues the open signal before its TTL runs out, so it is in force without a gap', async () => {
    const { clock, fleet, signals } = opened({ ttl: '10s', openDuration: '60s' });
    for (let s = 0; s < 59; s++) {
      await clock.advance(1_000);
      const active = fleet.activeSignals();
      assert.equal(active.length, 1, `no active signal at ${s + 1}s`);
      assert.equal(active[0]?.state, 'open');
    }
    const opens = signals.filter((s) => s.state === 'open');
    // The decision at 0 s, then a re-issue on the last 1 s tick before half the TTL: every 4 s.
    assert.equal(opens.length, 15);
    assert.equal(new Set(signals.map((s) => s.id)).size, signals.length);
    for (let i = 1; i < opens.length; i++) {
      const prev = opens[i - 1]!;
      assert.ok(opens[i]!.issuedAt < prev.issuedAt + prev.ttlMs);
    }
  });

  it('ramps 10% → 25% → 50% → 100% while admitted calls succeed, then issues closed', async () => {
    const { clock, fleet, signals, feed } = opened();
    await clock.advance(30_000);
    assert.deepEqual(
      signals.filter((s) => s.state === 'half_open').map((s) => s.allow),
      [0.1],
    );
    for (const next of [0.25, 0.5, 1]) {
      feed(many(3, ['i-1', 'i-2'], ok));
      await clock.advance(5_000);
      assert.equal(signals.at(-1)?.allow, next);
    }
    feed(many(3, ['i-1', 'i-2'], ok));
    await clock.advance(5_000);
    const closed = signals.at(-1)!;
    assert.equal(closed.state, 'closed');
    assert.equal(closed.ttlMs, 5_000);
    assert.equal(closed.allow, undefined);
    assert.equal(fleet.view()[0]?.state, 'closed');
    // Outage data in the long windows cannot re-open it; nothing is re-issued once closed.
    const count = signals.length;
    feed(many(1, ['i-1'], ok));
    await clock.advance(20_000);
    assert.equal(signals.length, count);
    assert.deepEqual(fleet.activeSignals(), []);
  });

  it('waits for a minimum sample before passing a step, and passes quiet steps after the max duration', async () => {
    const { clock, signals, feed } = opened({ stepMaxDuration: '20s' });
    await clock.advance(30_000);
    feed(many(1, ['i-1'], ok));
    await clock.advance(10_000);
    assert.equal(signals.at(-1)?.allow, 0.1, 'one call is not enough evidence');
    await clock.advance(10_000);
    assert.equal(signals.at(-1)?.allow, 0.25, 'no failures within the max duration');
  });

  it('judges a quiet step at the max duration on the calls it has: below the threshold passes, at it re-opens', async () => {
    const below = opened();
    await below.clock.advance(30_000);
    below.feed([...many(1, ['i-1'], overloaded), ...many(1, ['i-1', 'i-2'], ok)]);
    await below.clock.advance(30_000);
    assert.equal(
      below.signals.at(-1)?.allow,
      0.25,
      '1 of 3 calls failed: under openThreshold, the step passes',
    );

    const at = opened();
    await at.clock.advance(30_000);
    at.feed(many(1, ['i-1'], overloaded));
    await at.clock.advance(29_000);
    assert.equal(at.signals.at(-1)?.allow, 0.1, 'too few calls to fail it early');
    await at.clock.advance(1_000);
    const reopened = at.signals.at(-1)!;
    assert.equal(reopened.state, 'open', 'its one call failed: fewer than stepMinVolume still fail it');
    assert.equal(reopened.reason.volume, 1);
    assert.equal(reopened.reason.window, '30s');
  });

  it('goes back to open with a backed-off period when a step fails', async () => {
    const { clock, signals, feed } = opened();
    await clock.advance(30_000);
    assert.equal(signals.at(-1)?.state, 'half_open');
    feed([...many(3, ['i-1'], overloaded), ...many(2, ['i-2'], overloaded)]);
    const reopened = signals.at(-1)!;
    assert.equal(reopened.state, 'open');
    const reopenedAt = clock.now();
    // Second open period: 60 s (30 s × 2), re-issued meanwhile.
    await clock.advance(59_000);
    assert.equal(signals.at(-1)?.state, 'open');
    await clock.advance(1_000);
    assert.equal(signals.at(-1)?.state, 'half_open');
    assert.equal(signals.at(-1)?.issuedAt, reopenedAt + 60_000);
    // Fails again: 120 s.
    feed(many(5, ['i-1'], overloaded));
    await clock.advance(119_000);
    assert.equal(signals.at(-1)?.state, 'open');
    await clock.advance(1_000);
    assert.equal(signals.at(-1)?.state, 'half_open');
  });

  it('does not fail a step on a single failing instance when the quorum is 2 and others succeed', async () => {
    const t = setup();
    t.feed(many(10, ['i-1', 'i-2'], overloaded));
    assert.equal(t.signals.at(-1)?.state, 'open');
    await t.clock.advance(30_000);
    t.feed([...many(4, ['i-1'], overloaded), ...many(1, ['i-2', 'i-3'], ok)]);
    assert.equal(t.signals.at(-1)?.state, 'half_open');
  });

  it('evicts quiet closed dependencies', async () => {
    const { clock, fleet, feed } = setup();
    feed(many(1, ['i-1'], ok));
    assert.equal(fleet.view().length, 1);
    await clock.advance(62_000);
    assert.equal(fleet.view().length, 0);
  });

  it('gives the instance ids of an evicted dependency back to the shared budget', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const instances = new InstanceBudget(3);
    const fleet = new FleetBreaker({ config: parseFleetConfig({}), clock, logger: testLogger(), instances });
    fleet.start();
    fleet.record(many(1, ['i-1', 'i-2', 'i-3'], (i) => ok(i, { dependency: 'made-up/1' })));
    assert.equal(instances.inUse, 3);
    fleet.record(many(1, ['i-1', 'i-2'], ok));
    assert.equal(reporting(fleet, DEP), 0, 'no place left for more ids');
    await clock.advance(62_000); // both go quiet and are evicted
    assert.equal(instances.inUse, 0);
    fleet.record(many(1, ['i-1', 'i-2'], ok));
    assert.equal(reporting(fleet, DEP), 2);
    fleet.stop();
  });
});

/** Distinct instances reporting calls to `dependency` over its first window. */
function reporting(fleet: FleetBreaker, dependency: string): number {
  return fleet.view().find((d) => d.dependency === dependency)?.windows[0]?.stats.reportingInstances ?? -1;
}
