import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GateAnswerSchema, GateHealthSchema, gateWaitsForData } from '@breakwater/protocol';
import { encodeSeries, OVERFLOW_LABEL_VALUE } from '../../sli/series.ts';
import { MemoryStore } from '../../store/memory-store.ts';
import type { CountDelta } from '../../store/types.ts';
import { parseGateConfig } from './config.ts';
import type { GateDataSource, GateSloDefinition } from './data-source.ts';
import {
  evaluateGate,
  evaluateGateDetailed,
  type GateQuery,
  GateQueryError,
  sloRules,
} from './evaluate-gate.ts';
import { evaluateHealth } from './health.ts';

const NOW = 1_700_000_000_000;
const DAY = 86_400_000;
const availability: GateSloDefinition = {
  name: 'availability',
  objective: 0.995,
  windowMs: 30 * DAY,
  groupBy: ['dependency'],
};
const latency: GateSloDefinition = { name: 'latency', objective: 0.95, windowMs: 7 * DAY, groupBy: [] };

async function source(): Promise<GateDataSource> {
  const store = new MemoryStore(() => 31 * DAY);
  const delta = (service: string, version: string, dep: string, total: number, bad: number): CountDelta => ({
    slo: 'availability',
    series: encodeSeries({ service, version, dims: [dep] }, availability.groupBy),
    counts: {
      good: total - bad,
      total,
      extra: bad > 0 ? { 'c:server_error': bad } : ({} as Record<string, number>),
    },
  });
  await store.commit(NOW - 30_000, [
    delta('chat', 'v1', 'openai/gpt-4o', 5000, 5),
    delta('chat', 'v2', 'openai/gpt-4o', 800, 20),
    delta('chat', 'v2', 'tool/search', 200, 0),
    delta('other', 'v9', 'openai/gpt-4o', 100, 100),
  ]);
  return {
    slos: () => [availability, latency],
    snapshot: (now, windows) => store.snapshot(now, windows),
    examples: (_slo, series) =>
      series.includes('"v2"') && series.includes('openai') ? ['4bf92f3577b34da6a3ce929d0e0e4736'] : [],
  };
}

const config = parseGateConfig(undefined);
const query = { service: 'chat', version: 'v2', baseline: [], slos: [] };

describe('evaluateGate', () => {
  it("HALTs series_overflow when the SLO's overflow series took events: the version's may be there, unseen", async () => {
    const store = new MemoryStore(() => 31 * DAY);
    const delta = (
      labels: { service: string; version: string; dim: string },
      total: number,
      bad: number,
    ) => ({
      slo: 'availability',
      series: encodeSeries({ ...labels, dims: [labels.dim] }, availability.groupBy),
      counts: { good: total - bad, total, extra: {} as Record<string, number> },
    });
    const overflow = {
      service: OVERFLOW_LABEL_VALUE,
      version: OVERFLOW_LABEL_VALUE,
      dim: OVERFLOW_LABEL_VALUE,
    };
    await store.commit(NOW - 30_000, [
      delta({ service: 'chat', version: 'v1', dim: 'tool/a' }, 2000, 0),
      // v2's admitted series looks clean; its failing calls went to overflow.
      delta({ service: 'chat', version: 'v2', dim: 'tool/a' }, 150, 0),
      delta(overflow, 100, 100),
    ]);
    const s: GateDataSource = {
      slos: () => [availability],
      snapshot: (now, windows) => store.snapshot(now, windows),
    };
    const answer = GateAnswerSchema.parse(await evaluateGate(s, config, query, NOW));
    assert.equal(answer.decision, 'HALT');
    const reason = answer.reasons.find((r) => r.code === 'series_overflow');
    assert.equal(reason?.decision, 'HALT');
    assert.match(reason!.message, /100 events over 10m went to overflow series of SLO availability/);
    assert.equal(answer.slos[0]!.judged, false);
    assert.ok(!gateWaitsForData(answer), 'not a wait for traffic: --wait stops, an incident is raised');

    // A service whose every series overflowed is still judged on this SLO, not left out.
    const unseen = await evaluateGate(s, config, { ...query, service: 'new-service', version: 'v1' }, NOW);
    assert.equal(unseen.decision, 'HALT');
    assert.ok(unseen.reasons.some((r) => r.code === 'series_overflow'));

    // What is seen still rolls back.
    await store.commit(NOW - 20_000, [delta({ service: 'chat', version: 'v2', dim: 'tool/a' }, 300, 150)]);
    assert.equal((await evaluateGate(s, config, query, NOW)).decision, 'ROLLBACK');
  });

  it("one service's overflow HALTs only that service; the fleet's only services it may hold", async () => {
    const store = new MemoryStore(() => 31 * DAY);
    const delta = (service: string, version: string, dim: string, total: number) => ({
      slo: 'availability',
      series: encodeSeries({ service, version, dims: [dim] }, availability.groupBy),
      counts: { good: total, total, extra: {} as Record<string, number> },
    });
    // An hour ago: chat and search had series; search then ran out of room (a tenant per series).
    await store.commit(NOW - 3_600_000, [
      delta('chat', 'v1', 'tool/a', 2000),
      delta('search', 'v1', 'tool/a', 2000),
    ]);
    await store.commit(NOW - 30_000, [
      delta('chat', 'v2', 'tool/a', 500),
      delta('chat', 'v1', 'tool/a', 500),
      delta('search', 'v2', 'tool/a', 500),
      delta('search', 'v1', 'tool/a', 500),
      delta('search', OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE, 400),
      delta(OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE, 50),
    ]);
    const s: GateDataSource = {
      slos: () => [availability],
      snapshot: (now, windows) => store.snapshot(now, windows),
    };
    const ask = (service: string) => evaluateGate(s, config, { ...query, service, version: 'v2' }, NOW);
    const chat = await ask('chat');
    assert.equal(chat.decision, 'PROCEED', 'chat had its series all along: no overflow can hold its events');
    const search = await ask('search');
    assert.equal(search.decision, 'HALT');
    assert.match(
      search.reasons.find((r) => r.code === 'series_overflow')!.message,
      /^400 events over 10m went to overflow series of SLO availability/,
    );
    // Its own overflow series is no baseline version, and counts in its budget.
    assert.deepEqual(search.baseline, ['v1']);
    // A service first seen within the gate window may be in the fleet's overflow series.
    await store.commit(NOW - 20_000, [delta('billing', 'v2', 'tool/a', 500)]);
    const billing = await ask('billing');
    assert.equal(billing.decision, 'HALT');
    assert.match(billing.reasons.find((r) => r.code === 'series_overflow')!.message, /^50 events/);
  });

  it('judges the version against every other version of the service, with incident details', async () => {
    const answer = GateAnswerSchema.parse(await evaluateGate(await source(), config, query, NOW));
    assert.equal(answer.decision, 'ROLLBACK');
    assert.deepEqual(answer.baseline, ['v1']);
    assert.equal(answer.window, '10m');
    assert.deepEqual(
      answer.slos.map((s) => s.slo),
      ['availability'],
      'an SLO without events for the service is left out',
    );
    const e = answer.slos[0]!;
    assert.deepEqual(e.sample, { good: 980, total: 1000 });
    assert.deepEqual(e.baselineSample, { good: 4995, total: 5000 });
    assert.deepEqual(e.topErrorCategories, [{ category: 'server_error', count: 20 }]);
    assert.deepEqual(e.failingDependency, { dependency: 'openai/gpt-4o', bad: 20, total: 800 });
    assert.deepEqual(e.exampleTraceIds, ['4bf92f3577b34da6a3ce929d0e0e4736']);
    assert.ok(answer.reasons.some((r) => r.code === 'sustained_burn' && r.decision === 'ROLLBACK'));
    // 1 − (25/6000)/0.005 ≈ 0.1667 left, above the 10 % reserve.
    assert.ok(Math.abs(e.budgetRemaining - (1 - 25 / 6000 / 0.005)) < 1e-12);
  });

  it('tells whether the store holds any event of the service', async () => {
    const s = await source();
    const detailed = (q: GateQuery) => evaluateGateDetailed(s, config, q, NOW);
    assert.equal((await detailed(query)).serviceHasData, true);
    assert.equal((await detailed({ ...query, version: 'v9' })).serviceHasData, true, 'a new version');
    const unknown = await detailed({ ...query, service: 'made-up' });
    assert.equal(unknown.serviceHasData, false);
    assert.equal(unknown.answer.decision, 'HALT');
    const named = await detailed({ ...query, service: 'made-up', slos: ['availability'] });
    assert.equal(named.serviceHasData, false, 'a named SLO is judged, still without data');
    assert.equal(named.answer.slos.length, 1);
  });

  it('names the service a question without any event probably meant', async () => {
    const s = await source();
    const halt = async (service: string, slos: string[] = []) => {
      const answer = await evaluateGate(s, config, { ...query, service, slos }, NOW);
      assert.equal(answer.decision, 'HALT');
      return answer.reasons[0]!;
    };
    const typo = await halt('chta');
    assert.equal(typo.code, 'no_data');
    assert.equal(
      typo.message,
      'no SLO has events for this service: no event of service "chta" at all (did you mean "chat"?)',
    );
    assert.match(
      (await halt('Chat', ['availability'])).message,
      /no event of service "Chat" at all \(did you mean "chat"\?\)$/,
    );
    assert.match((await halt('billing')).message, /\(services with events: chat, other\)$/);
    // A known service is never hinted at, even for a version without events.
    const newVersion = await evaluateGate(
      s,
      config,
      { ...query, version: 'v3', slos: ['availability'] },
      NOW,
    );
    assert.doesNotMatch(newVersion.reasons[0]!.message, /no event of service/);
  });

  it('says how many services have events when none is close and they are many', async () => {
    const store = new MemoryStore(() => 31 * DAY);
    await store.commit(
      NOW - 30_000,
      ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'].map((service) => ({
        slo: 'availability',
        series: encodeSeries({ service, version: 'v1', dims: ['tool/a'] }, availability.groupBy),
        counts: { good: 10, total: 10, extra: {} as Record<string, number> },
      })),
    );
    const s: GateDataSource = {
      slos: () => [availability],
      snapshot: (now, windows) => store.snapshot(now, windows),
    };
    const answer = await evaluateGate(s, config, { ...query, service: 'billing' }, NOW);
    assert.match(answer.reasons[0]!.message, /\(6 services have events, none named close to it\)$/);
  });

  it('an explicit baseline replaces discovery; a named SLO is required', async () => {
    const s = await source();
    const answer = await evaluateGate(
      s,
      config,
      { ...query, version: 'v1', baseline: ['v0'], slos: ['availability'] },
      NOW,
    );
    assert.deepEqual(answer.baseline, ['v0']);
    assert.ok(answer.reasons.some((r) => r.code === 'baseline_insufficient_data'));
    assert.equal(answer.decision, 'PROCEED');
    const missing = await evaluateGate(s, config, { ...query, version: 'v3', slos: ['latency'] }, NOW);
    assert.equal(missing.decision, 'HALT');
    assert.equal(missing.reasons.find((r) => r.decision === 'HALT')?.code, 'no_data');
    // Said in the answer too, for readers that do not know the code.
    assert.equal(missing.waitingForData, true);
    assert.equal(answer.waitingForData, false);
  });

  it('per-SLO overrides and unknown SLO names', async () => {
    const strict = parseGateConfig({ slos: { availability: { minEvents: 5000 } } });
    const answer = await evaluateGate(await source(), strict, query, NOW);
    assert.equal(answer.decision, 'HALT');
    assert.equal(answer.reasons[0]!.code, 'insufficient_data');
    await assert.rejects(
      evaluateGate(await source(), config, { ...query, slos: ['nope'] }, NOW),
      GateQueryError,
    );
  });

  it('refuses a fast-burn rule whose short window is not the shorter one', () => {
    assert.throws(
      () => parseGateConfig({ fastBurn: [{ longWindow: '5m', shortWindow: '1h', burnRate: 14 }] }),
      /shortWindow must be shorter than longWindow/,
    );
    assert.equal(
      parseGateConfig({ fastBurn: [{ longWindow: '1h', shortWindow: '5m', burnRate: 14 }] }).fastBurn.length,
      1,
    );
  });

  it('refuses a trace URL template without {traceId}, as the CLI does (every link would be one page)', () => {
    assert.throws(
      () => parseGateConfig({ alerts: { traceUrlTemplate: 'http://jaeger:16686/trace' } }),
      /must contain \{traceId\}/,
    );
    const template = 'http://jaeger:16686/trace/{traceId}';
    assert.equal(
      parseGateConfig({ alerts: { traceUrlTemplate: template } }).alerts.traceUrlTemplate,
      template,
    );
  });

  it('fast-burn "page" resolves to the scaled page rules of the SLO window', () => {
    const r = sloRules(config, availability, false);
    assert.deepEqual(
      r.fastBurn.map((f) => f.burnRate),
      [14.4, 6],
    );
    const weekly = sloRules(config, latency, false);
    assert.deepEqual(
      weekly.fastBurn.map((f) => f.burnRate),
      [3.36, 1.4],
    );
  });
});

describe('evaluateGate: an SLO grouped by operation is judged per operation', () => {
  /** The default availability SLO: every GenAI operation, grouped by operation. */
  const byOperation: GateSloDefinition = { ...availability, groupBy: ['operation'] };
  /** Counts of one operation of an agent service; its bad events in `category`. */
  const op = (version: string, operation: string, total: number, bad: number, category = 'overloaded') => ({
    slo: 'availability',
    series: encodeSeries({ service: 'agent', version, dims: [operation] }, byOperation.groupBy),
    counts: {
      good: total - bad,
      total,
      extra: bad > 0 ? { [`c:${category}`]: bad } : ({} as Record<string, number>),
    },
  });
  async function agentSource(deltas: CountDelta[], def = byOperation): Promise<GateDataSource> {
    const store = new MemoryStore(() => 31 * DAY);
    await store.commit(NOW - 30_000, deltas);
    return {
      slos: () => [def],
      snapshot: (now, windows) => store.snapshot(now, windows),
      examples: (_slo, series) => (series.includes('"v2"') && series.includes('"chat"') ? ['c0ffee'] : []),
    };
  }
  /** v1: 1000 requests, each an agent span, a chat span and a tool span, none failing. */
  const healthyV1 = ['invoke_agent', 'chat', 'execute_tool'].map((o) => op('v1', o, 1000, 0));
  const ask = (s: GateDataSource) =>
    evaluateGate(s, config, { service: 'agent', version: 'v2', baseline: [], slos: [] }, NOW);

  it('the walkthrough: 37 of 150 requests fail (chat, and the agent with it): chat 37/150 bad, not 74/450', async () => {
    const s = await agentSource([
      ...healthyV1,
      op('v2', 'invoke_agent', 150, 37, 'unclassified'),
      op('v2', 'chat', 150, 37),
      op('v2', 'execute_tool', 150, 0),
    ]);
    const answer = GateAnswerSchema.parse(await ask(s));
    assert.equal(answer.decision, 'ROLLBACK');
    const e = answer.slos[0]!;
    assert.deepEqual(e.operation, { operation: 'chat' });
    assert.deepEqual(e.sample, { good: 113, total: 150 });
    assert.deepEqual(e.baselineSample, { good: 1000, total: 1000 });
    assert.equal(e.comparison?.canaryErrorRatio, 37 / 150);
    // The deciding operation's diagnostics, not the agent span's failures added to them.
    assert.deepEqual(e.topErrorCategories, [{ category: 'overloaded', count: 37 }]);
    assert.deepEqual(e.exampleTraceIds, ['c0ffee']);
    const sustained = answer.reasons.find((r) => r.code === 'sustained_burn')!;
    assert.deepEqual(sustained.operation, { operation: 'chat' });
    assert.match(
      sustained.message,
      /^availability \[operation=chat\]: burn rate 49\.33x over 10m \(37\/150 bad\)/,
    );
    assert.match(
      answer.reasons.find((r) => r.code === 'worse_than_baseline')!.message,
      /error ratio 24\.67% vs baseline 0\.00% \(Fisher's exact test, p=2\.61e-35 < 0\.01\/3\)/,
    );
    // The agent span failing with chat is its own operation, with its own reasons.
    assert.ok(
      answer.reasons.some((r) => r.code === 'sustained_burn' && r.operation?.operation === 'invoke_agent'),
    );
    assert.ok(!answer.reasons.some((r) => r.operation?.operation === 'execute_tool'));
  });

  it('a regression of one operation alone rolls back: the healthy chat and agent spans do not hide it', async () => {
    // v1's tools fail 1 %; v2's 4 % (6/150). Summed over the three operations, 6/450 vs 10/3000
    // would be within luck at 0.01 (binomial p ≈ 0.027, Fisher p ≈ 0.012).
    const s = await agentSource([
      op('v1', 'invoke_agent', 1000, 0),
      op('v1', 'chat', 1000, 0),
      op('v1', 'execute_tool', 1000, 10, 'server_error'),
      op('v2', 'invoke_agent', 150, 0),
      op('v2', 'chat', 150, 0),
      op('v2', 'execute_tool', 150, 6, 'server_error'),
    ]);
    const answer = await ask(s);
    assert.equal(answer.decision, 'ROLLBACK');
    const e = answer.slos[0]!;
    assert.deepEqual(e.operation, { operation: 'execute_tool' });
    assert.deepEqual(
      [e.sample, e.baselineSample],
      [
        { good: 144, total: 150 },
        { good: 990, total: 1000 },
      ],
    );
    assert.deepEqual(e.topErrorCategories, [{ category: 'server_error', count: 6 }]);
    assert.equal(e.exampleTraceIds, undefined, 'no trace of the chat series, which did not decide');
    assert.deepEqual(
      answer.reasons.filter((r) => r.decision === 'ROLLBACK').map((r) => [r.code, r.operation?.operation]),
      [
        ['fast_burn', 'execute_tool'],
        ['sustained_burn', 'execute_tool'],
      ],
    );
  });

  it('an SLO grouped by model only is still summed: models partition one kind of event', async () => {
    const byModel: GateSloDefinition = { ...availability, groupBy: ['model'] };
    const model = (version: string, name: string, total: number, bad: number) => ({
      slo: 'availability',
      series: encodeSeries({ service: 'agent', version, dims: [name] }, byModel.groupBy),
      counts: { good: total - bad, total, extra: {} as Record<string, number> },
    });
    // 60 events per model: neither would be judged alone; summed, 120 are.
    const s = await agentSource(
      [
        model('v1', 'gpt-4o', 1000, 0),
        model('v1', 'gpt-4o-mini', 1000, 0),
        model('v2', 'gpt-4o', 60, 0),
        model('v2', 'gpt-4o-mini', 60, 1),
      ],
      byModel,
    );
    const answer = GateAnswerSchema.parse(await ask(s));
    const e = answer.slos[0]!;
    assert.equal(e.operation, undefined);
    assert.equal(e.judged, true);
    assert.deepEqual(e.sample, { good: 119, total: 120 });
    assert.equal(answer.decision, 'PROCEED');
  });

  it('an operation only the baseline had (retired, its budget spent) does not HALT the version', async () => {
    const store = new MemoryStore(() => 31 * DAY);
    // Two days ago v1 served chat and embeddings, embeddings 2 % bad (-300 % of its budget left).
    await store.commit(NOW - 2 * DAY, [op('v1', 'chat', 100_000, 0), op('v1', 'embeddings', 1000, 20)]);
    // v2 serves chat only, as v1 does now.
    await store.commit(NOW - 30_000, [op('v1', 'chat', 5000, 0), op('v2', 'chat', 1000, 0)]);
    const s: GateDataSource = {
      slos: () => [byOperation],
      snapshot: (now, windows) => store.snapshot(now, windows),
    };
    const answer = GateAnswerSchema.parse(await ask(s));
    assert.equal(answer.decision, 'PROCEED');
    assert.deepEqual(answer.slos[0]!.operation, { operation: 'chat' });
    assert.equal(answer.slos[0]!.judged, true);
    assert.ok(!answer.reasons.some((r) => r.operation?.operation === 'embeddings'));
    // As on the summed counts.
    const summed = { ...byOperation, groupBy: [] };
    const sum = (delta: CountDelta): CountDelta => ({
      ...delta,
      series: encodeSeries(
        { service: 'agent', version: delta.series.includes('"v2"') ? 'v2' : 'v1', dims: [] },
        [],
      ),
    });
    const store2 = new MemoryStore(() => 31 * DAY);
    await store2.commit(
      NOW - 2 * DAY,
      [op('v1', 'chat', 100_000, 0), op('v1', 'embeddings', 1000, 20)].map(sum),
    );
    await store2.commit(NOW - 30_000, [op('v1', 'chat', 5000, 0), op('v2', 'chat', 1000, 0)].map(sum));
    const s2: GateDataSource = {
      slos: () => [summed],
      snapshot: (now, windows) => store2.snapshot(now, windows),
    };
    assert.equal((await ask(s2)).decision, 'PROCEED');
    // A version without any operation is not judged on this SLO (no operation's budget is its).
    const none = await evaluateGate(
      s,
      config,
      { service: 'agent', version: 'v3', baseline: [], slos: ['availability'] },
      NOW,
    );
    assert.equal(none.decision, 'HALT');
    assert.deepEqual(
      none.reasons.filter((r) => r.decision === 'HALT').map((r) => [r.code, r.operation]),
      [
        ['no_data', undefined],
        ['no_data', undefined],
      ],
    );
    assert.equal(none.slos[0]!.operation, undefined);
  });

  it('an operation with too few events is not judged; the others decide', async () => {
    const s = await agentSource([
      ...healthyV1,
      op('v2', 'invoke_agent', 150, 0),
      op('v2', 'chat', 150, 0),
      op('v2', 'execute_tool', 20, 0),
    ]);
    const answer = await evaluateGate(
      s,
      config,
      { service: 'agent', version: 'v2', baseline: [], slos: ['availability'] },
      NOW,
    );
    assert.equal(answer.decision, 'PROCEED', 'required, yet judged on chat and the agent');
    assert.equal(answer.slos[0]!.judged, true);
    assert.deepEqual(
      answer.reasons.filter((r) => r.code === 'insufficient_data').map((r) => [r.operation, r.decision]),
      [[{ operation: 'execute_tool' }, undefined]],
    );
  });
});

describe('evaluateHealth', () => {
  it('is green once the rolled-back version is left out', async () => {
    const s = await source();
    // 10 % canary traffic at 2.5 % errors: the service as a whole still burns 25/6000/0.005 ≈ 0.83.
    const withCanary = GateHealthSchema.parse(await evaluateHealth(s, config, 'chat', [], NOW));
    assert.equal(withCanary.healthy, true);
    assert.ok(Math.abs(withCanary.slos[0]!.burnRate! - 25 / 6000 / 0.005) < 1e-12);
    assert.equal((await evaluateHealth(s, config, 'other', [], NOW)).healthy, false);
    const without = await evaluateHealth(s, config, 'chat', ['v2'], NOW);
    assert.equal(without.healthy, true);
    assert.deepEqual(without.slos, [
      { slo: 'availability', good: 4995, total: 5000, burnRate: 0.001 / 0.005, healthy: true },
    ]);
    const silent = await evaluateHealth(s, config, 'nobody', [], NOW);
    assert.equal(silent.healthy, false);
  });

  it('since a rollback: only the whole minutes after it count, and every version in them', async () => {
    const store = new MemoryStore(() => 31 * DAY);
    const delta = (version: string, total: number, bad: number): CountDelta => ({
      slo: 'availability',
      series: encodeSeries({ service: 'chat', version, dims: ['openai/gpt-4o'] }, availability.groupBy),
      counts: { good: total - bad, total, extra: {} as Record<string, number> },
    });
    const s: GateDataSource = {
      slos: () => [availability],
      snapshot: (now, windows) => store.snapshot(now, windows),
    };
    const minute = NOW - (NOW % 60_000);
    const rollbackEnd = minute + 20_000;
    // v2 failing hard until the rollback, in the rollback's own minute.
    await store.commit(rollbackEnd - 10_000, [delta('v1', 900, 0), delta('v2', 100, 50)]);
    // Still in that minute: nothing wholly after the rollback to judge yet.
    const early = GateHealthSchema.parse(
      await evaluateHealth(s, config, 'chat', [], minute + 50_000, rollbackEnd),
    );
    assert.deepEqual([early.healthy, early.slos, early.since], [false, [], rollbackEnd]);
    // The next minute: only v1 serves (the rollback took), and v2's failures before it are not counted.
    await store.commit(minute + 70_000, [delta('v1', 500, 0)]);
    const took = await evaluateHealth(s, config, 'chat', [], minute + 90_000, rollbackEnd);
    assert.equal(took.healthy, true);
    assert.deepEqual(
      took.slos.map((x) => [x.good, x.total]),
      [[500, 500]],
    );
    assert.equal(took.window, '30s');
    // The SLO engine's store time is fractional: the window is still whole milliseconds.
    const fractional = await evaluateHealth(
      { ...s, now: () => minute + 90_000.25 },
      config,
      'chat',
      [],
      minute + 90_000,
      rollbackEnd,
    );
    assert.equal(fractional.window, '30s');
    // A rollback that did not take: v2 still serves, and still fails.
    await store.commit(minute + 80_000, [delta('v2', 100, 50)]);
    const didNotTake = await evaluateHealth(s, config, 'chat', [], minute + 90_000, rollbackEnd);
    assert.equal(didNotTake.healthy, false);
    assert.equal(didNotTake.slos[0]!.total, 600);
  });

  it('an SLO grouped by operation is green only when each operation is', async () => {
    const byOperation: GateSloDefinition = { ...availability, groupBy: ['operation'] };
    const store = new MemoryStore(() => 31 * DAY);
    const op = (operation: string, total: number, bad: number): CountDelta => ({
      slo: 'availability',
      series: encodeSeries({ service: 'agent', version: 'v1', dims: [operation] }, byOperation.groupBy),
      counts: { good: total - bad, total, extra: {} as Record<string, number> },
    });
    // Summed, 2/600 bad burns 0.67; chat alone, 2/200 burns 2.
    await store.commit(NOW - 30_000, [
      op('invoke_agent', 200, 0),
      op('chat', 200, 2),
      op('execute_tool', 200, 0),
    ]);
    const s: GateDataSource = {
      slos: () => [byOperation],
      snapshot: (now, windows) => store.snapshot(now, windows),
    };
    const red = GateHealthSchema.parse(await evaluateHealth(s, config, 'agent', [], NOW));
    assert.equal(red.healthy, false);
    assert.deepEqual(red.slos, [
      {
        slo: 'availability',
        operation: { operation: 'chat' },
        good: 198,
        total: 200,
        burnRate: 2,
        healthy: false,
      },
    ]);
    await store.commit(NOW - 20_000, [op('chat', 400, 0)]);
    const green = await evaluateHealth(s, config, 'agent', [], NOW);
    assert.equal(green.healthy, true);
    assert.deepEqual(green.slos[0]!.operation, { operation: 'chat' }, 'still the one burning fastest');
  });

  it("an operation with fewer than the gate's minEvents does not decide alone; the sum still counts it", async () => {
    const byOperation: GateSloDefinition = { ...availability, groupBy: ['operation'] };
    const store = new MemoryStore(() => 31 * DAY);
    const op = (operation: string, total: number, bad: number, version = 'v1'): CountDelta => ({
      slo: 'availability',
      series: encodeSeries({ service: 'agent', version, dims: [operation] }, byOperation.groupBy),
      counts: { good: total - bad, total, extra: {} as Record<string, number> },
    });
    const s: GateDataSource = {
      slos: () => [byOperation],
      snapshot: (now, windows) => store.snapshot(now, windows),
    };
    const minute = NOW - (NOW % 60_000);
    const rollbackEnd = minute + 20_000;
    const health = (c = config) => evaluateHealth(s, c, 'agent', [], minute + 90_000, rollbackEnd);
    // The minute after a rollback: chat is fine, a rare tool failed once in three calls.
    await store.commit(minute + 70_000, [op('chat', 5000, 0), op('execute_tool', 3, 1)]);
    const fine = GateHealthSchema.parse(await health());
    assert.equal(fine.healthy, true, 'one failure of a rare tool is not an outage (alone it burns 66.7x)');
    assert.deepEqual(fine.slos, [
      { slo: 'availability', good: 5002, total: 5003, burnRate: 1 / 5003 / 0.005, healthy: true },
    ]);
    // With the gate's minEvents at 3 for this SLO, the tool is judged on its own.
    const strict = parseGateConfig({ slos: { availability: { minEvents: 3 } } });
    const alone = (await health(strict)).slos[0]!;
    assert.deepEqual([alone.operation, alone.healthy], [{ operation: 'execute_tool' }, false]);
    // Tool calls failing by the dozen are still seen, in the sum.
    await store.commit(minute + 75_000, [op('execute_tool', 90, 90)]);
    const failing = await health();
    assert.equal(failing.healthy, false);
    assert.deepEqual(
      failing.slos.map((e) => [e.operation, e.good, e.total]),
      [[undefined, 5002, 5093]],
    );
  });

  it('few events in all: the sum decides, and one failure among them is red, as before', async () => {
    const byOperation: GateSloDefinition = { ...availability, groupBy: ['operation'] };
    const store = new MemoryStore(() => 31 * DAY);
    const series = (version: string, dim: string) =>
      encodeSeries({ service: 'agent', version, dims: [dim] }, byOperation.groupBy);
    const delta = (version: string, dim: string, total: number, bad: number): CountDelta => ({
      slo: 'availability',
      series: series(version, dim),
      counts: { good: total - bad, total, extra: {} as Record<string, number> },
    });
    const s: GateDataSource = {
      slos: () => [byOperation],
      snapshot: (now, windows) => store.snapshot(now, windows),
    };
    await store.commit(NOW - 30_000, [delta('v1', 'chat', 20, 0), delta('v1', 'execute_tool', 3, 1)]);
    const red = await evaluateHealth(s, config, 'agent', [], NOW);
    assert.equal(red.healthy, false);
    assert.deepEqual(
      red.slos.map((e) => [e.operation, e.good, e.total]),
      [[undefined, 22, 23]],
    );
    // The service's overflow series is an operation of its own, with the same floor.
    const overflow = OVERFLOW_LABEL_VALUE;
    await store.commit(NOW - 20_000, [delta('v1', 'chat', 5000, 0), delta(overflow, overflow, 2, 1)]);
    const green = await evaluateHealth(s, config, 'agent', [], NOW);
    assert.equal(green.healthy, true, "2 of 5025 bad: the overflow series' 1 of 2 does not decide alone");
    await store.commit(NOW - 10_000, [delta(overflow, overflow, 200, 100)]);
    const overflowRed = (await evaluateHealth(s, config, 'agent', [], NOW)).slos[0]!;
    assert.deepEqual([overflowRed.operation, overflowRed.healthy], [{ operation: overflow }, false]);
  });
});
