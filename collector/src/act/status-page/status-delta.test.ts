/**
 * Deltas between status snapshots, applied by the page's own code: after each one the viewer
 * must hold exactly the snapshot it stands for, whatever changed (rows added, removed, moved,
 * duplicated, fields appearing, budget history moving on, sections failing), and what never
 * counted as a change (an SLO's `evaluatedAt`, a signal's `ttlMs` counting down) still does not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffSnapshot, pointsTail, type SnapshotState } from './status-delta.ts';
import { deltaApplier } from './testing/delta-applier.ts';
import { syntheticFleet } from './testing/synthetic-fleet.ts';
import type { BudgetPoint, StatusSnapshot } from './types.ts';

const applyDelta = deltaApplier();

/** A small seeded generator (mulberry32): the same sequence of changes at every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A snapshot of a small synthetic fleet, with budget history and a few signals. */
function snapshot(now: number): StatusSnapshot {
  const fleet = syntheticFleet(40);
  return {
    now,
    available: {
      signals: true,
      slos: true,
      dependencies: true,
      breakerStates: true,
      alerts: true,
      gateDecisions: true,
    },
    errors: {},
    slos: fleet.sources.slos().map((slo) => ({
      ...slo,
      groups: slo.groups.map((g, i) => ({
        ...g,
        budgetHistory: Array.from(
          { length: i % 5 },
          (_, k): BudgetPoint => [now - (5 - k) * 10_000, 1 - k / 10],
        ),
      })),
    })),
    signals: ['a', 'b', 'c'].map((d, i) => ({
      id: `sig-${d}`,
      kind: 'breaker',
      dependency: `dep-${d}`,
      state: 'open',
      ttlMs: 60_000 - i,
      issuedAt: now - 1_000,
      reason: { errorRatio: 0.5, window: '10s', volume: 10, instances: 1, topErrorTypes: [] },
    })),
    dependencies: fleet.sources.dependencies().map((d) => ({
      dependency: d.dependency,
      state: d.state,
      windows: [],
    })),
    breakerStates: fleet.sources.breakerStates(),
    alerts: [],
    gateDecisions: [],
  } as StatusSnapshot;
}

type Mutation = (s: StatusSnapshot, pick: (n: number) => number) => void;

/** Every kind of change a snapshot goes through. */
const MUTATIONS: readonly Mutation[] = [
  (s, pick) => {
    const g = s.slos[pick(s.slos.length)]!.groups;
    if (g.length > 0) g[pick(g.length)]!.budgetRemaining = pick(1000) / 1000;
  },
  (s, pick) => {
    const g = s.slos[pick(s.slos.length)]!.groups;
    if (g.length > 0) g.splice(pick(g.length), 1);
  },
  (s, pick) => {
    const g = s.slos[pick(s.slos.length)]!.groups;
    if (g.length > 0) g.splice(pick(g.length + 1), 0, structuredClone(g[pick(g.length)]!)); // a duplicate row
  },
  (s, pick) => {
    const g = s.slos[pick(s.slos.length)]!.groups;
    if (g.length > 1) g.push(...g.splice(pick(g.length), 1)); // moved to the end
  },
  (s, pick) => {
    // A budget sample: every history moves on by one point, the oldest dropped when full.
    for (const slo of s.slos) {
      for (const g of slo.groups) {
        g.budgetHistory.push([s.now, pick(100) / 100]);
        if (g.budgetHistory.length > 4) g.budgetHistory.shift();
      }
    }
  },
  (s, pick) => {
    const g = s.slos[pick(s.slos.length)]!.groups;
    if (g.length > 0) g[pick(g.length)]!.budgetHistory = [[s.now, 0.5]]; // restarted
  },
  (s, pick) => {
    const slo = s.slos[pick(s.slos.length)]!;
    if (slo.description === undefined)
      slo.description = `described ${pick(9)}`; // a field appears
    else delete slo.description;
  },
  (s, pick) => {
    s.slos.splice(pick(s.slos.length + 1), 0, { ...structuredClone(s.slos[0]!), name: `slo-${pick(1e6)}` });
  },
  (s, pick) => {
    if (s.slos.length > 1) s.slos.splice(pick(s.slos.length), 1);
  },
  (s, pick) => {
    if (s.signals.length > 0) s.signals.splice(pick(s.signals.length), 1);
    else s.signals = snapshot(s.now).signals;
  },
  (s, pick) => {
    const b = s.breakerStates[pick(s.breakerStates.length)];
    if (b !== undefined) b.state = b.state === 'open' ? 'closed' : 'open';
    s.breakerStates.reverse();
  },
  (s, pick) => {
    s.errors = pick(2) === 0 ? {} : { alerts: `source failed ${pick(9)}` };
  },
  (s, pick) => {
    s.gateDecisions.unshift({
      decision: 'PROCEED',
      service: 'agent',
      version: String(pick(5)),
      baseline: ['1'],
      reasons: [],
      slos: [],
      window: '10m',
      evaluatedAt: s.now,
    });
    if (s.gateDecisions.length > 3) s.gateDecisions.pop();
  },
  (s, pick) => {
    const d = s.dependencies[pick(s.dependencies.length)];
    if (d === undefined) return;
    if (d.allow === undefined) Object.assign(d, { state: 'half_open', allow: 0.25 });
    else Object.assign(d, { state: 'closed', allow: undefined }); // the field is gone in JSON
  },
];

describe('status deltas', () => {
  it('turn each snapshot into exactly the next, through hundreds of random changes', () => {
    const pick = (
      (next) => (n: number) =>
        Math.floor(next() * n)
    )(random(7));
    let now = 1_700_000_000_000;
    let current = snapshot(now);
    let held = structuredClone(current);
    let state: SnapshotState = diffSnapshot(undefined, current).state;
    let sent = 0;
    for (let step = 0; step < 400; step++) {
      const next = structuredClone(current);
      now += 1_000;
      next.now = now;
      for (const s of next.signals) s.ttlMs -= 1_000;
      for (let m = 1 + pick(3); m > 0; m--) MUTATIONS[pick(MUTATIONS.length)]!(next, pick);
      current = next;
      const diff = diffSnapshot(state, next);
      // As the stream: no change (a mutation may undo itself), no event; the next delta is from the last sent.
      if (!diff.changed) continue;
      sent++;
      assert.ok(diff.delta !== undefined, `step ${step} has a delta`);
      held = applyDelta(held, JSON.parse(JSON.stringify(diff.delta)));
      assert.equal(JSON.stringify(held), JSON.stringify(next), `step ${step}`);
      state = diff.state;
    }
    assert.ok(sent > 350, `${sent} deltas`);
  });

  it('count neither a new evaluatedAt nor a ttlMs counting down as a change, yet carry both', () => {
    const first = snapshot(1_700_000_000_000);
    const { state } = diffSnapshot(undefined, first);
    const later = structuredClone(first);
    later.now += 5_000;
    for (const slo of later.slos) slo.evaluatedAt = later.now;
    for (const s of later.signals) s.ttlMs -= 5_000;
    assert.equal(diffSnapshot(state, later).changed, false);

    later.errors = { breakerStates: 'table unavailable' };
    const diff = diffSnapshot(state, later);
    assert.equal(diff.changed, true);
    const held = applyDelta(structuredClone(first), JSON.parse(JSON.stringify(diff.delta)));
    assert.equal(
      JSON.stringify(held),
      JSON.stringify(later),
      'expiry and evaluation time as of the new snapshot',
    );
  });

  it('send a budget history that moved on as the points added', () => {
    const points = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i): BudgetPoint => [(from + i) * 10_000, (from + i) / 100]);
    assert.deepEqual(pointsTail(points(0, 180), points(1, 181)), [1, points(180, 181)]);
    assert.deepEqual(pointsTail(points(0, 5), points(0, 7)), [0, points(5, 7)]);
    assert.equal(pointsTail(points(0, 5), points(6, 9)), undefined, 'nothing kept: sent whole');
    const replaced = points(0, 5);
    replaced[4] = [replaced[4]![0], 0.99]; // the last sample taken again
    assert.equal(pointsTail(points(0, 5), replaced), undefined);
  });
});
