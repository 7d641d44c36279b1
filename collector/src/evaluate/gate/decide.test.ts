import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GoodTotal } from '../burn-rate.ts';
import { combineVerdicts, decideOperations, decideSlo, type SloGateInput, type SloRules } from './decide.ts';

const M = 60_000;
const H = 60 * M;
const RULES: SloRules = {
  windowMs: 10 * M,
  minEvents: 100,
  reserve: 0.1,
  significance: 0.01,
  sustainedBurnRate: 1,
  // The SRE Workbook page rules for a 30-day SLO.
  fastBurn: [
    { longWindowMs: H, shortWindowMs: 5 * M, burnRate: 14.4 },
    { longWindowMs: 6 * H, shortWindowMs: 30 * M, burnRate: 6 },
  ],
  compare: true,
  compareMargin: 0.25,
  required: false,
};

/** The same counts over every window (a canary younger than 5 minutes). */
function version(total: number, bad: number): Map<number, GoodTotal> {
  return new Map([5 * M, 10 * M, 30 * M, H, 6 * H].map((ms) => [ms, { good: total - bad, total }]));
}

function input(over: Partial<SloGateInput>): SloGateInput {
  return {
    slo: 'availability',
    objective: 0.995,
    version: version(1000, 1),
    baseline: { good: 4995, total: 5000 },
    service: { good: 5994, total: 6000 },
    ...over,
  };
}

const codes = (v: { reasons: { code: string }[] }) => v.reasons.map((r) => r.code);

describe('decideSlo', () => {
  it('PROCEED: burn 0.2, like the baseline, 80 % budget left', () => {
    const v = decideSlo(input({}), RULES);
    assert.equal(v.decision, 'PROCEED');
    assert.equal(v.evidence.burnRates['10m'], 0.001 / 0.005);
    // Every window the rules read, once, shortest first (the report's column reads in this order).
    assert.deepEqual(Object.keys(v.evidence.burnRates), ['5m', '10m', '30m', '1h', '6h']);
    // 1 − (6/6000)/0.005 = 0.8
    assert.ok(Math.abs(v.evidence.budgetRemaining - 0.8) < 1e-12);
    assert.equal(v.evidence.comparison?.significant, false);
    assert.deepEqual(codes(v), []);
  });

  it('ROLLBACK sustained_burn: 20/1000 bad is burn 4 (below both page thresholds) and P(X≥20 | 1000, 0.005) ≈ 1e-7', () => {
    const v = decideSlo(input({ version: version(1000, 20), baseline: { good: 4995, total: 5000 } }), RULES);
    assert.equal(v.decision, 'ROLLBACK');
    assert.deepEqual(codes(v), ['sustained_burn', 'worse_than_baseline']);
    // pooled 25/6000 → expected 4.2 canary errors < 5: Fisher's exact test.
    assert.equal(v.evidence.comparison?.test, 'fisher');
  });

  it('ROLLBACK fast_burn: 80/1000 bad is burn 16 > 14.4 over 1h and 5m', () => {
    const v = decideSlo(input({ version: version(1000, 80) }), { ...RULES, compare: false });
    assert.equal(v.decision, 'ROLLBACK');
    assert.equal(codes(v)[0], 'fast_burn');
    assert.match(v.reasons[0]!.message, /16x over 1h and 16x over 5m/);
  });

  it('fast burn at a page threshold near 1x (a short SLO window) needs more than a couple of errors', () => {
    // A 1-day SLO's page rules scale down to 1x: 2/100 bad at 99 % burns 2x over both windows,
    // but P(X≥2 | 100, 0.01) ≈ 0.26, so that is luck as likely as a bad build.
    const nearOne = {
      ...RULES,
      compare: false,
      fastBurn: [{ longWindowMs: H, shortWindowMs: 5 * M, burnRate: 1 }],
    };
    const few = decideSlo(input({ objective: 0.99, version: version(100, 2) }), nearOne);
    assert.ok(!codes(few).includes('fast_burn'));
    assert.equal(few.decision, 'PROCEED');
    // 8/100 is the same kind of burn with P(X≥8 | 100, 0.01) ≈ 1e-5: that rolls back.
    const many = decideSlo(input({ objective: 0.99, version: version(100, 8) }), nearOne);
    assert.equal(many.decision, 'ROLLBACK');
    assert.equal(codes(many)[0], 'fast_burn');
    assert.match(many.reasons[0]!.message, /8\/100 bad over 1h, p=/);
  });

  it('fast burn below 1x is no ROLLBACK at high volume: the long window is within budget', () => {
    // A rule set below 1x fires on burn 0.6, but 6,000 bad of 1,000,000 at 99 % is under the
    // budget's 10,000, so the binomial test cannot call it over budget (its P(X = k) underflows).
    const slow = {
      ...RULES,
      compare: false,
      fastBurn: [{ longWindowMs: H, shortWindowMs: 5 * M, burnRate: 0.5 }],
    };
    const v = decideSlo(
      input({
        objective: 0.99,
        version: version(1_000_000, 6_000),
        service: { good: 999_000, total: 1_000_000 },
      }),
      slow,
    );
    assert.ok(!codes(v).includes('fast_burn'), v.reasons.map((r) => r.message).join('; '));
    assert.equal(v.decision, 'PROCEED');
  });

  it('fast burn needs minEvents in the long window', () => {
    const counts = version(1000, 80);
    counts.set(H, { good: 40, total: 50 });
    counts.set(6 * H, { good: 40, total: 50 });
    const v = decideSlo(input({ version: counts }), { ...RULES, compare: false });
    assert.ok(!codes(v).includes('fast_burn'));
  });

  it('ROLLBACK fast_burn also with too few events in the gate window to judge the rest', () => {
    // Quiet for the last 10 minutes, but 30/230 bad over the hour (burn 26) and 15/30 over 5 minutes.
    const counts = new Map<number, GoodTotal>([
      [5 * M, { good: 15, total: 30 }],
      [10 * M, { good: 15, total: 30 }],
      [30 * M, { good: 15, total: 30 }],
      [H, { good: 200, total: 230 }],
      [6 * H, { good: 200, total: 230 }],
    ]);
    const v = decideSlo(input({ version: counts }), RULES);
    assert.equal(v.decision, 'ROLLBACK');
    assert.equal(v.evidence.judged, false);
    assert.deepEqual(codes(v), ['fast_burn', 'insufficient_data']);
    // Beside a healthy, judged SLO the answer is still ROLLBACK, not PROCEED.
    const healthy = decideSlo(input({ slo: 'latency' }), RULES);
    assert.equal(combineVerdicts([healthy, v], 10 * M).decision, 'ROLLBACK');
  });

  it('ROLLBACK worse_than_baseline alone: 4 % vs 1 % with a 90 % objective (burn 0.4)', () => {
    const v = decideSlo(
      input({
        objective: 0.9,
        version: version(1000, 40),
        baseline: { good: 9900, total: 10_000 },
        service: { good: 10_860, total: 11_000 },
      }),
      RULES,
    );
    assert.equal(v.decision, 'ROLLBACK');
    assert.deepEqual(codes(v), ['worse_than_baseline']);
    assert.equal(v.evidence.comparison?.test, 'z');
    // z = 0.03 / √(p(1−p)(1/1000 + 1/10000)), p = 140/11000 → z ≈ 8.07
    assert.ok(v.evidence.comparison!.pValue < 1e-14);
  });

  it('a significant difference smaller than compareMargin is reported, not rolled back', () => {
    // 0.12 % vs 0.10 % over a million events each: z ≈ 4.3, yet under 99.5 % the canary burns
    // 0.24 against 0.20, 0.04 of the budget's pace more.
    const counts = {
      version: version(1_000_000, 1_200),
      baseline: { good: 999_000, total: 1_000_000 },
      service: { good: 9_997_800, total: 10_000_000 },
    };
    const v = decideSlo(input(counts), RULES);
    assert.equal(v.decision, 'PROCEED');
    assert.equal(v.evidence.comparison?.significant, true);
    assert.ok(Math.abs(v.evidence.comparison!.burnRateIncrease! - 0.04) < 1e-9);
    assert.deepEqual(
      v.reasons.map((r) => [r.code, r.decision]),
      [['worse_within_margin', undefined]],
    );
    assert.match(
      v.reasons[0]!.message,
      /burns 0\.04 faster than the baseline, below the compare margin 0\.25/,
    );
    // The same difference under 99.9 % is 0.2 of the budget's pace: a margin of 0.2 rolls it back.
    const strict = decideSlo(input({ ...counts, objective: 0.999 }), {
      ...RULES,
      compareMargin: 0.2,
      sustainedBurnRate: 2,
    });
    assert.equal(strict.decision, 'ROLLBACK');
    assert.deepEqual(codes(strict), ['worse_than_baseline']);
  });

  it('tiny samples never fire: 2/100 bad vs 0/100 (burn 4) rolls nothing back', () => {
    const v = decideSlo(
      input({
        version: version(100, 2),
        baseline: { good: 100, total: 100 },
        service: { good: 100_000, total: 100_002 },
      }),
      RULES,
    );
    // Binomial P(X≥2 | 100, 0.005) = 1 − 0.995¹⁰⁰ − 100·0.005·0.995⁹⁹ ≈ 0.0898; Fisher 9900/39800 ≈ 0.249.
    assert.equal(v.decision, 'PROCEED');
    assert.ok(Math.abs(v.evidence.comparison!.pValue - 9_900 / 39_800) < 1e-12);

    // With those 200 events as the service's whole SLO window, 2 bad exceed the budget of 1:
    // nothing rolls back, but the budget halts (GATE.md says both).
    const alone = decideSlo(
      input({
        version: version(100, 2),
        baseline: { good: 100, total: 100 },
        service: { good: 198, total: 200 },
      }),
      RULES,
    );
    assert.equal(alone.decision, 'HALT');
    assert.deepEqual(codes(alone), ['budget_below_reserve']);
  });

  it('HALT budget_below_reserve: 460 bad of 100 000 leaves 1 − 0.92 = 8 % < 10 %', () => {
    const v = decideSlo(input({ service: { good: 99_540, total: 100_000 } }), RULES);
    assert.equal(v.decision, 'HALT');
    assert.deepEqual(codes(v), ['budget_below_reserve']);
    assert.ok(Math.abs(v.evidence.budgetRemaining - 0.08) < 1e-12);
    const edge = decideSlo(input({ service: { good: 99_550, total: 100_000 } }), RULES);
    assert.equal(edge.decision, 'PROCEED', 'exactly the reserve left is enough');
  });

  it('budget is not judged on fewer than minEvents service events', () => {
    const v = decideSlo(input({ version: version(0, 0), service: { good: 1, total: 3 } }), RULES);
    assert.ok(!codes(v).includes('budget_below_reserve'));
  });

  it('too little data: not judged (informational), or HALT when required', () => {
    const v = decideSlo(input({ version: version(50, 0) }), RULES);
    assert.equal(v.decision, 'PROCEED');
    assert.equal(v.evidence.judged, false);
    assert.deepEqual(
      v.reasons.map((r) => [r.code, r.decision]),
      [['insufficient_data', undefined]],
    );
    const required = decideSlo(input({ version: version(0, 0) }), { ...RULES, required: true });
    assert.equal(required.decision, 'HALT');
    assert.equal(required.reasons[0]!.code, 'no_data');
  });

  it('baseline too small or missing: no comparison, informational reason', () => {
    const small = decideSlo(input({ baseline: { good: 10, total: 10 } }), RULES);
    assert.equal(small.decision, 'PROCEED');
    assert.deepEqual(codes(small), ['baseline_insufficient_data']);
    assert.equal(small.evidence.comparison, undefined);
    const none = decideSlo(input({ baseline: undefined }), RULES);
    assert.deepEqual(codes(none), ['no_baseline']);
  });
});

describe('decideOperations (an SLO judged per operation)', () => {
  /** One operation's counts: no baseline, a service that has plenty of budget left. */
  const op = (operation: string, total: number, bad: number, over: Partial<SloGateInput> = {}) =>
    input({
      operation: { operation },
      version: version(total, bad),
      baseline: undefined,
      service: { good: 1_000_000, total: 1_000_000 },
      ...over,
    });

  it('one operation is judged as an SLO is: decideSlo, at the full significance', () => {
    // 4/150 bad: P(X≥4 | 150, 0.005) ≈ 0.0071 < 0.01.
    const v = decideOperations([op('chat', 150, 4)], RULES);
    assert.equal(v.decision, 'ROLLBACK');
    assert.deepEqual(codes(v), ['sustained_burn', 'no_baseline']);
    assert.deepEqual(v.evidence.operation, { operation: 'chat' });
    assert.match(v.reasons[0]!.message, /^availability \[operation=chat\]: .*\(p=7\.11e-3\)$/);
  });

  it('Bonferroni: with three operations tested, each test runs at 0.01/3', () => {
    // The same 4/150 beside two healthy operations: p ≈ 0.0071 > 0.0033, not significant.
    const three = [op('chat', 150, 4), op('execute_tool', 150, 0), op('invoke_agent', 150, 0)];
    const v = decideOperations(three, RULES);
    assert.equal(v.decision, 'PROCEED');
    assert.deepEqual(v.evidence.operation, { operation: 'chat' }, 'the worst error ratio is shown');
    assert.deepEqual(v.evidence.sample, { good: 146, total: 150 });
    // 6/150 (p ≈ 1.2e-4) is significant at 0.01/3, and says at which level it was held.
    const worse = decideOperations([op('chat', 150, 6), ...three.slice(1)], RULES);
    assert.equal(worse.decision, 'ROLLBACK');
    assert.match(worse.reasons[0]!.message, /, p=1\.21e-4 < 0\.01\/3\)$/);
    // Operations with too few events for any test do not count: beside one, chat is tested alone.
    const alone = decideOperations([op('chat', 150, 4), op('execute_tool', 20, 0)], RULES);
    assert.equal(alone.decision, 'ROLLBACK');
    assert.match(alone.reasons[0]!.message, /\(p=7\.11e-3\)$/);
  });

  it('the worst operation decides; its evidence and the reasons name it', () => {
    const v = decideOperations(
      [op('chat', 1000, 1), op('execute_tool', 1000, 80), op('invoke_agent', 1000, 1)],
      RULES,
    );
    assert.equal(v.decision, 'ROLLBACK');
    assert.equal(v.deciding, 1);
    assert.deepEqual(v.evidence.operation, { operation: 'execute_tool' });
    assert.deepEqual(v.evidence.sample, { good: 920, total: 1000 });
    assert.ok(v.reasons.filter((r) => r.decision === 'ROLLBACK').length > 0);
    for (const r of v.reasons.filter((r) => r.decision !== undefined)) {
      assert.deepEqual(r.operation, { operation: 'execute_tool' });
      assert.match(r.message, /^availability \[operation=execute_tool\]: /);
    }
    // No other version of any operation: said once, for the SLO.
    assert.deepEqual(
      v.reasons.filter((r) => r.code === 'no_baseline').map((r) => [r.message, r.operation]),
      [['availability: nothing to compare with (no baseline version has events of it over 10m)', undefined]],
    );
  });

  it("each operation against the baseline's same operation, and its own budget", () => {
    const base = (good: number, total: number) => ({ baseline: { good, total } });
    // chat 1 % vs 1 % (summed with the tools, 0.5 % vs 0.05 %: "worse") proceeds.
    const v = decideOperations(
      [op('chat', 1000, 10, base(9900, 10_000)), op('execute_tool', 1000, 0, base(10_000, 10_000))],
      { ...RULES, sustainedBurnRate: 10 },
    );
    assert.equal(v.decision, 'PROCEED');
    assert.equal(v.evidence.comparison?.significant, false);
    // The tools' budget alone is spent (the SLO engine reports it so): HALT, on that operation.
    const spent = decideOperations(
      [op('chat', 1000, 1), op('execute_tool', 1000, 1, { service: { good: 99_000, total: 100_000 } })],
      RULES,
    );
    assert.equal(spent.decision, 'HALT');
    assert.deepEqual(codes(spent), ['budget_below_reserve', 'no_baseline']);
    assert.deepEqual(spent.evidence.operation, { operation: 'execute_tool' });
  });

  it('only operations with enough events are judged; too few in all: one reason, HALT if required', () => {
    const some = decideOperations([op('chat', 1000, 1), op('execute_tool', 30, 0)], {
      ...RULES,
      required: true,
    });
    assert.equal(some.decision, 'PROCEED', 'the tools are too few to judge, chat decides');
    assert.equal(some.evidence.judged, true);
    assert.deepEqual(
      some.reasons.map((r) => [r.code, r.decision, r.operation?.operation]),
      [
        ['insufficient_data', undefined, 'execute_tool'],
        ['no_baseline', undefined, undefined],
      ],
    );
    const none = decideOperations([op('chat', 40, 0), op('execute_tool', 30, 0), op('old', 0, 0)], {
      ...RULES,
      required: true,
    });
    assert.equal(none.decision, 'HALT');
    assert.equal(none.evidence.judged, false);
    assert.deepEqual(
      none.reasons.map((r) => [r.code, r.decision]),
      [
        ['no_baseline', undefined],
        ['insufficient_data', 'HALT'],
      ],
    );
    assert.equal(
      none.reasons[1]!.message,
      'availability: too few events for the version over 10m to judge any operation (operation=chat: 40, operation=execute_tool: 30), 100 needed to judge one',
    );
    const optional = decideOperations([op('chat', 40, 0), op('execute_tool', 0, 0)], RULES);
    assert.equal(optional.decision, 'PROCEED');
    assert.equal(optional.evidence.judged, false);
    assert.equal(combineVerdicts([optional], 10 * M).decision, 'HALT');
    const nothing = decideOperations([op('chat', 0, 0), op('execute_tool', 0, 0)], RULES);
    assert.deepEqual(codes(nothing), ['no_data', 'no_baseline']);
  });

  it('an operation the version has no event of is left out, its budget too', () => {
    // A retired operation only v1 had, its budget spent (2 % bad at 99.5 %: -300 % left).
    const retired = op('embeddings', 0, 0, {
      baseline: { good: 980, total: 1000 },
      service: { good: 980, total: 1000 },
    });
    const chat = op('chat', 1000, 0, { baseline: { good: 100_000, total: 100_000 } });
    const v = decideOperations([retired, chat], RULES);
    assert.equal(v.decision, 'PROCEED');
    assert.equal(v.deciding, 1);
    assert.deepEqual(v.evidence.operation, { operation: 'chat' });
    assert.equal(v.evidence.judged, true);
    assert.ok(!v.reasons.some((r) => r.operation?.operation === 'embeddings'));
    // Nor is its baseline a baseline of the operations the version has.
    const unmatched = decideOperations([retired, op('chat', 1000, 0), op('execute_tool', 1000, 0)], RULES);
    assert.deepEqual(
      unmatched.reasons.map((r) => r.message),
      [
        "availability: nothing to compare with (no baseline version has events of the version's operations over 10m)",
      ],
    );
    // An operation the version has keeps the budget rule, however few its events.
    const spent = decideOperations(
      [retired, chat, op('execute_tool', 5, 0, { service: { good: 980, total: 1000 } })],
      RULES,
    );
    assert.equal(spent.decision, 'HALT');
    assert.deepEqual(spent.evidence.operation, { operation: 'execute_tool' });
    assert.deepEqual(
      spent.reasons.filter((r) => r.decision !== undefined).map((r) => [r.code, r.operation?.operation]),
      [['budget_below_reserve', 'execute_tool']],
    );
    // So does one the version had only before the gate window, within a fast-burn window.
    const earlier = input({
      operation: { operation: 'execute_tool' },
      version: new Map([
        [10 * M, { good: 0, total: 0 }],
        [6 * H, { good: 200, total: 200 }],
      ]),
      service: { good: 980, total: 1000 },
    });
    const before = decideOperations([retired, chat, earlier], RULES);
    assert.equal(before.decision, 'HALT');
    assert.equal(before.deciding, 2);
  });

  it('a version without any operation: no_data on the SLO, no budget of any operation', () => {
    const spent = { service: { good: 980, total: 1000 }, baseline: { good: 980, total: 1000 } };
    const ops = [op('embeddings', 0, 0, spent), op('chat', 0, 0, { baseline: { good: 1000, total: 1000 } })];
    const v = decideOperations(ops, RULES);
    assert.equal(v.decision, 'PROCEED');
    assert.equal(v.deciding, undefined);
    assert.deepEqual(
      v.reasons.map((r) => [r.code, r.decision, r.operation, r.message]),
      [
        [
          'no_data',
          undefined,
          undefined,
          'availability: 0 event(s) for the version over 10m, 100 needed to judge',
        ],
      ],
    );
    // The evidence is of the SLO's sum: every operation's baseline and service counts.
    assert.equal(v.evidence.operation, undefined);
    assert.equal(v.evidence.judged, false);
    assert.deepEqual(v.evidence.sample, { good: 0, total: 0 });
    assert.deepEqual(v.evidence.baselineSample, { good: 1980, total: 2000 });
    assert.ok(Math.abs(v.evidence.budgetRemaining - (1 - 20 / 1_001_000 / 0.005)) < 1e-12);
    const required = decideOperations(ops, { ...RULES, required: true });
    assert.equal(required.decision, 'HALT');
    assert.deepEqual(codes(required), ['no_data']);
    // A single operation is no different.
    assert.equal(decideOperations([ops[0]!], RULES).decision, 'PROCEED');
  });
});

describe('combineVerdicts', () => {
  it('ROLLBACK wins over HALT; HALT over PROCEED', () => {
    const rollback = decideSlo(input({ version: version(1000, 80) }), RULES);
    const halt = decideSlo(input({ service: { good: 99_540, total: 100_000 } }), RULES);
    const ok = decideSlo(input({}), RULES);
    assert.equal(combineVerdicts([ok, halt, rollback], 10 * M).decision, 'ROLLBACK');
    assert.equal(combineVerdicts([ok, halt], 10 * M).decision, 'HALT');
    const proceed = combineVerdicts([ok], 10 * M);
    assert.equal(proceed.decision, 'PROCEED');
    assert.equal(proceed.reasons.at(-1)!.code, 'within_budget');
  });

  it('HALT insufficient_data when no SLO could be judged; no_data without events', () => {
    const few = decideSlo(input({ version: version(50, 0) }), RULES);
    const combined = combineVerdicts([few], 10 * M);
    assert.equal(combined.decision, 'HALT');
    assert.deepEqual(
      [combined.reasons[0]!.code, combined.reasons[0]!.decision],
      ['insufficient_data', 'HALT'],
    );
    assert.equal(combineVerdicts([], 10 * M).reasons[0]!.code, 'no_data');
  });
});
