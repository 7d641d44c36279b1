import {
  formatDuration,
  type GateDecision,
  type GateOperation,
  type GateReason,
  type GateReasonCode,
  type GateSloEvidence,
  gateOperationText,
  gateSloLabel,
} from '@breakwater/protocol';
import { errorBudget } from '../../config/slo/objective.ts';
import { budgetRemaining, burnRate, type GoodTotal } from '../burn-rate.ts';
import { binomialUpperTail, compareProportions } from './stats.ts';

/** A fast-burn rule in milliseconds. */
export interface FastBurnRule {
  longWindowMs: number;
  shortWindowMs: number;
  burnRate: number;
}

/** The rules one SLO is judged by (see `GateConfigSchema` for the meaning of each). */
export interface SloRules {
  windowMs: number;
  minEvents: number;
  reserve: number;
  significance: number;
  sustainedBurnRate: number;
  fastBurn: readonly FastBurnRule[];
  compare: boolean;
  compareMargin: number;
  required: boolean;
}

/** Everything the decision for one SLO depends on: counts only, no I/O. */
export interface SloGateInput {
  slo: string;
  /** The operation these counts are of, when the SLO is judged per operation. */
  operation?: GateOperation | undefined;
  objective: number;
  /** Counts of the version under test per window length (must hold the gate and fast-burn windows). */
  version: ReadonlyMap<number, GoodTotal>;
  /** Baseline counts over the gate window; `undefined` when there is no baseline version. */
  baseline: GoodTotal | undefined;
  /** Every version of the service over the SLO window (the budget). */
  service: GoodTotal;
}

/**
 * How many operations of one SLO are tested at once, and so share its `significance`
 * (Bonferroni): 1 for an SLO judged on its summed counts.
 */
export interface Multiplicity {
  tests: number;
  /** The `significance` before it was divided by {@link tests}. */
  significance: number;
}

/** The decision for one SLO with its evidence. */
export interface SloVerdict {
  decision: GateDecision;
  reasons: GateReason[];
  evidence: Omit<GateSloEvidence, 'decision'>;
}

const ZERO: GoodTotal = { good: 0, total: 0 };

/**
 * Judges one SLO. In order of precedence:
 * - ROLLBACK `fast_burn`: some fast-burn rule's long and short windows both burn faster than its
 *   rate, with at least `minEvents` in the long window, and an exact binomial test says the long
 *   window's errors are over budget (burn > 1) beyond luck (p < `significance`);
 * - ROLLBACK `sustained_burn`: the burn rate over the gate window exceeds `sustainedBurnRate`
 *   and an exact binomial test says the excess is not luck (p < `significance`);
 * - ROLLBACK `worse_than_baseline`: both sides have `minEvents`, a one-sided two-proportion
 *   test (Fisher's exact test for small counts) finds the version worse at `significance`, and
 *   it burns at least `compareMargin` faster than the baseline (else `worse_within_margin`);
 * - HALT `budget_below_reserve`: the service has `minEvents` over the SLO window and less than
 *   `reserve` of its budget left;
 * - HALT `insufficient_data` / `no_data`: the version has fewer than `minEvents` (only when the
 *   SLO is `required`; otherwise the SLO is reported as not judged);
 * - PROCEED otherwise.
 * `multiplicity`, when several operations of the SLO are tested ({@link decideOperations}), only
 * makes the messages say which level `rules.significance` (already divided) stands for.
 */
export function decideSlo(input: SloGateInput, rules: SloRules, multiplicity?: Multiplicity): SloVerdict {
  const { objective, operation } = input;
  // Messages name the operation too, when there is one.
  const slo = gateSloLabel(input.slo, operation);
  const at = (ms: number): GoodTotal => input.version.get(ms) ?? ZERO;
  const sample = at(rules.windowMs);
  const reasons: GateReason[] = [];
  const push = (code: GateReasonCode, message: string, decision?: GateDecision) => {
    reasons.push({
      code,
      message,
      slo: input.slo,
      ...(operation === undefined ? {} : { operation }),
      ...(decision === undefined ? {} : { decision }),
    });
  };
  // `p=…`, with the level it was held to when several operations share the significance.
  const pText = (p: number) =>
    multiplicity === undefined || multiplicity.tests <= 1
      ? `p=${sci(p)}`
      : `p=${sci(p)} < ${multiplicity.significance}/${multiplicity.tests}`;

  // Shortest window first, so the report and the API read like the alert rules.
  const windows = [rules.windowMs, ...rules.fastBurn.flatMap((r) => [r.longWindowMs, r.shortWindowMs])];
  const burnRates: Record<string, number | null> = {};
  for (const ms of [...new Set(windows)].sort((a, b) => a - b))
    burnRates[formatDuration(ms)] = burnRate(at(ms), objective);
  const remaining = budgetRemaining(input.service, objective);
  const evidence: SloVerdict['evidence'] = {
    slo: input.slo,
    ...(operation === undefined ? {} : { operation }),
    objective,
    window: formatDuration(rules.windowMs),
    burnRates,
    budgetRemaining: remaining,
    sample: { good: sample.good, total: sample.total },
    judged: sample.total >= rules.minEvents,
  };
  const window = formatDuration(rules.windowMs);
  const judged = evidence.judged === true;

  // Rule 1 has its own volume guard, the long window: a canary can be burning at page level over
  // the last hour with too few events in the gate window for the other rules to judge it.
  for (const rule of rules.fastBurn) {
    const long = at(rule.longWindowMs);
    const short = at(rule.shortWindowMs);
    if (long.total < rules.minEvents) continue;
    const longRate = burnRate(long, objective) ?? 0;
    const shortRate = burnRate(short, objective) ?? 0;
    if (longRate <= rule.burnRate || shortRate <= rule.burnRate) continue;
    // A page rule scaled to a short SLO window can sit near 1x, where a couple of errors in
    // minEvents already burn past it: the long window must also be over budget beyond luck.
    const bad = long.total - long.good;
    const p = binomialUpperTail(bad, long.total, errorBudget(objective));
    if (p >= rules.significance) continue;
    push(
      'fast_burn',
      `${slo}: burning ${fixed(longRate)}x over ${formatDuration(rule.longWindowMs)} and ${fixed(shortRate)}x over ${formatDuration(rule.shortWindowMs)} (page threshold ${fixed(rule.burnRate)}x; ${bad}/${long.total} bad over ${formatDuration(rule.longWindowMs)}, ${pText(p)})`,
      'ROLLBACK',
    );
    break;
  }
  if (!judged) {
    const code = sample.total === 0 ? 'no_data' : 'insufficient_data';
    push(
      code,
      `${slo}: ${sample.total} event(s) for the version over ${window}, ${rules.minEvents} needed to judge`,
      rules.required ? 'HALT' : undefined,
    );
  } else {
    const rate = burnRate(sample, objective) ?? 0;
    const allowed = rules.sustainedBurnRate * errorBudget(objective);
    if (rate > rules.sustainedBurnRate && allowed < 1) {
      const bad = sample.total - sample.good;
      const p = binomialUpperTail(bad, sample.total, allowed);
      if (p < rules.significance) {
        push(
          'sustained_burn',
          `${slo}: burn rate ${fixed(rate)}x over ${window} (${bad}/${sample.total} bad), above ${fixed(rules.sustainedBurnRate)}x (${pText(p)})`,
          'ROLLBACK',
        );
      }
    }
  }

  if (rules.compare) compare(slo, input.baseline, rules, sample, evidence, push, pText);

  if (input.service.total >= rules.minEvents && remaining < rules.reserve) {
    push(
      'budget_below_reserve',
      `${slo}: ${pct(remaining)} of the service's error budget left, reserve is ${pct(rules.reserve)}`,
      'HALT',
    );
  }

  const decision: GateDecision = reasons.some((r) => r.decision === 'ROLLBACK')
    ? 'ROLLBACK'
    : reasons.some((r) => r.decision === 'HALT')
      ? 'HALT'
      : 'PROCEED';
  return { decision, reasons, evidence };
}

/** A verdict for an SLO judged per operation, and the index of the input that decided it. */
export interface OperationsVerdict extends SloVerdict {
  /** Undefined when no operation decided (the version has none). */
  deciding: number | undefined;
}

const SEVERITY: Record<GateDecision, number> = { PROCEED: 0, HALT: 1, ROLLBACK: 2 };
/** Operations named in a reason that none could be judged. */
const LISTED_OPERATIONS = 5;

/**
 * Judges an SLO per operation, one input each ({@link decideSlo} on each), when its `groupBy`
 * tells the spans of one request apart (see `OPERATION_DIMS`). Summed, a failed request would
 * count once for each of its spans that failed with it (the chat span and the agent span above
 * it), its healthy tool spans would dilute the ratio, and the tests would take correlated spans
 * for independent events. An input without operation (an SLO judged on its summed counts) is
 * judged by {@link decideSlo} as is. Otherwise:
 * - only the operations the version has events of, in any window the rules read (the gate
 *   window, the fast-burn windows), are judged or can decide: the others are left out, budget
 *   included. An operation only older versions had (a retired one, its budget spent) would
 *   otherwise HALT every new version until it left the SLO window. An operation the version
 *   has keeps every rule, the budget rule on that operation's budget included. When the version
 *   has no operation at all, the SLO is `no_data` (HALT when required), with the evidence of its
 *   sum and no budget rule: no operation of the version has a budget to judge;
 * - one operation the version has is judged by {@link decideSlo} as is;
 * - every test runs at `significance / m` (Bonferroni), m the operations with `minEvents` in the
 *   gate window or a fast-burn long window (those any test may run on), so the SLO's chance of a
 *   false ROLLBACK stays within `significance`;
 * - only operations with enough events are judged; when none has, the SLO gets a single
 *   `insufficient_data` / `no_data` reason (HALT when required), as an SLO does;
 * - the decision is the worst operation's and the evidence the deciding operation's: the worst
 *   decision, among equals a judged one, then the highest error ratio over the gate window, the
 *   least budget left, the most events; `judged` when any operation was.
 * Reasons: every operation's that argue for a decision (the deciding one's first), the judged
 * operations' informational ones, and `insufficient_data` of those too small to be judged.
 * `deciding` is an index into `inputs`, undefined when the version has no operation.
 */
export function decideOperations(inputs: readonly SloGateInput[], rules: SloRules): OperationsVerdict {
  const first = inputs[0];
  if (first === undefined) throw new Error('decideOperations needs an input');
  if (first.operation === undefined) return { ...decideSlo(first, rules), deciding: 0 };
  const eventsIn = (i: SloGateInput, ms: number) => i.version.get(ms)?.total ?? 0;
  const read = [rules.windowMs, ...rules.fastBurn.flatMap((r) => [r.longWindowMs, r.shortWindowMs])];
  const has = inputs.flatMap((input, index) =>
    read.some((ms) => eventsIn(input, ms) > 0) ? [{ input, index }] : [],
  );
  if (has.length === 0) return { ...noOperation(inputs, rules), deciding: undefined };
  if (has.length === 1) return { ...decideSlo(has[0]!.input, rules), deciding: has[0]!.index };
  const judging = has.map((h) => h.input);
  const tested = judging.filter(
    (i) =>
      eventsIn(i, rules.windowMs) >= rules.minEvents ||
      rules.fastBurn.some((r) => eventsIn(i, r.longWindowMs) >= rules.minEvents),
  ).length;
  const tests = Math.max(1, tested);
  const perOperation: SloRules = { ...rules, significance: rules.significance / tests, required: false };
  const verdicts = judging.map((i) =>
    decideSlo(i, perOperation, { tests, significance: rules.significance }),
  );

  const errorRatio = (v: SloVerdict) =>
    v.evidence.sample.total === 0 ? -1 : 1 - v.evidence.sample.good / v.evidence.sample.total;
  const order = verdicts
    .map((v, i) => ({ v, i }))
    .sort(
      (a, b) =>
        SEVERITY[b.v.decision] - SEVERITY[a.v.decision] ||
        Number(b.v.evidence.judged === true) - Number(a.v.evidence.judged === true) ||
        errorRatio(b.v) - errorRatio(a.v) ||
        a.v.evidence.budgetRemaining - b.v.evidence.budgetRemaining ||
        b.v.evidence.sample.total - a.v.evidence.sample.total ||
        a.i - b.i,
    );
  const deciding = order[0]!.i;
  const anyJudged = verdicts.some((v) => v.evidence.judged === true);
  const slo = first.slo;
  const window = formatDuration(rules.windowMs);

  const reasons: GateReason[] = [];
  // No baseline version has events of any operation the version has: said once, for the SLO.
  const noBaseline = judging.every((i) => i.baseline === undefined);
  for (const { v } of order) {
    const judged = v.evidence.judged === true;
    for (const r of v.reasons) {
      if (r.decision !== undefined) reasons.push(r);
      else if (r.code === 'insufficient_data') {
        if (anyJudged) reasons.push(r);
      } else if (r.code === 'no_data') {
        // An operation the version had only before the gate window (in a fast-burn window).
      } else if (judged && !(r.code === 'no_baseline' && noBaseline)) reasons.push(r);
    }
  }
  if (rules.compare && noBaseline)
    reasons.push({
      code: 'no_baseline',
      message: inputs.every((i) => i.baseline === undefined)
        ? `${slo}: nothing to compare with (no baseline version has events of it over ${window})`
        : `${slo}: nothing to compare with (no baseline version has events of the version's operations over ${window})`,
      slo,
    });
  if (!anyJudged) {
    const withEvents = verdicts
      .filter((v) => v.evidence.sample.total > 0)
      .sort((a, b) => b.evidence.sample.total - a.evidence.sample.total);
    const listed = withEvents
      .slice(0, LISTED_OPERATIONS)
      .map((v) => `${gateOperationText(v.evidence.operation ?? {})}: ${v.evidence.sample.total}`);
    if (withEvents.length > LISTED_OPERATIONS) listed.push('…');
    const message =
      withEvents.length === 0
        ? `${slo}: 0 event(s) for the version over ${window}, ${rules.minEvents} needed to judge`
        : `${slo}: too few events for the version over ${window} to judge any operation (${listed.join(', ')}), ${rules.minEvents} needed to judge one`;
    reasons.push({
      code: withEvents.length === 0 ? 'no_data' : 'insufficient_data',
      message,
      slo,
      ...(rules.required ? { decision: 'HALT' as const } : {}),
    });
  }

  let decision = order[0]!.v.decision;
  if (decision === 'PROCEED' && !anyJudged && rules.required) decision = 'HALT';
  return {
    decision,
    reasons,
    evidence: { ...verdicts[deciding]!.evidence, judged: anyJudged },
    deciding: has[deciding]!.index,
  };
}

/**
 * The verdict for an SLO judged per operation when the version has no event of any operation:
 * `no_data` (HALT when required), on the SLO's sum for the evidence (the baseline's and the
 * service's counts over every operation). No budget rule: the budget is each operation's, and
 * the version has none of them.
 */
function noOperation(inputs: readonly SloGateInput[], rules: SloRules): SloVerdict {
  const sum = (counts: readonly (GoodTotal | undefined)[]): GoodTotal | undefined =>
    counts.reduce<GoodTotal | undefined>(
      (into, c) =>
        c === undefined ? into : { good: (into?.good ?? 0) + c.good, total: (into?.total ?? 0) + c.total },
      undefined,
    );
  const summed: SloGateInput = {
    slo: inputs[0]!.slo,
    objective: inputs[0]!.objective,
    version: new Map(),
    baseline: sum(inputs.map((i) => i.baseline)),
    service: sum(inputs.map((i) => i.service)) ?? ZERO,
  };
  // No reserve to keep: `budgetRemaining` (evidence) is never below -Infinity.
  return decideSlo(summed, { ...rules, reserve: Number.NEGATIVE_INFINITY });
}

function compare(
  slo: string,
  baseline: GoodTotal | undefined,
  rules: SloRules,
  sample: GoodTotal,
  evidence: SloVerdict['evidence'],
  push: (code: GateReasonCode, message: string, decision?: GateDecision) => void,
  pText: (p: number) => string,
): void {
  if (baseline === undefined) {
    push(
      'no_baseline',
      `${slo}: nothing to compare with (no baseline version has events of it over ${formatDuration(rules.windowMs)})`,
    );
    return;
  }
  evidence.baselineSample = { good: baseline.good, total: baseline.total };
  if (sample.total < rules.minEvents) return;
  if (baseline.total < rules.minEvents) {
    push(
      'baseline_insufficient_data',
      `${slo}: baseline has ${baseline.total} event(s), ${rules.minEvents} needed to compare`,
    );
    return;
  }
  const canary = { bad: sample.total - sample.good, total: sample.total };
  const base = { bad: baseline.total - baseline.good, total: baseline.total };
  const canaryErrorRatio = canary.bad / canary.total;
  const baselineErrorRatio = base.bad / base.total;
  const result = compareProportions(canary, base);
  const significant = canaryErrorRatio > baselineErrorRatio && result.pValue < rules.significance;
  const burnRateIncrease = (canaryErrorRatio - baselineErrorRatio) / errorBudget(evidence.objective);
  evidence.comparison = {
    canaryErrorRatio,
    baselineErrorRatio,
    pValue: result.pValue,
    significant,
    test: result.test,
    burnRateIncrease,
  };
  if (!significant) return;
  const versus = `${slo}: error ratio ${pct(canaryErrorRatio)} vs baseline ${pct(baselineErrorRatio)} (${result.test === 'z' ? 'two-proportion z-test' : "Fisher's exact test"}, ${pText(result.pValue)})`;
  // Float slack: a difference of exactly the margin counts.
  if (burnRateIncrease + 1e-9 >= rules.compareMargin) push('worse_than_baseline', versus, 'ROLLBACK');
  else
    push(
      'worse_within_margin',
      `${versus}: burns ${burnRateIncrease.toFixed(2)} faster than the baseline, below the compare margin ${rules.compareMargin}`,
    );
}

/**
 * The overall decision from every SLO's verdict, with the top-level reasons. `unknownService`, a
 * sentence about a service without any event, is added to the HALT reason when nothing is judged.
 */
export function combineVerdicts(
  verdicts: readonly SloVerdict[],
  windowMs: number,
  unknownService?: string,
): { decision: GateDecision; reasons: GateReason[] } {
  const reasons = verdicts.flatMap((v) => v.reasons);
  if (verdicts.some((v) => v.decision === 'ROLLBACK')) return { decision: 'ROLLBACK', reasons };
  const anyJudged = verdicts.some((v) => v.evidence.judged === true);
  if (!anyJudged) {
    const none = verdicts.every((v) => v.evidence.sample.total === 0);
    reasons.unshift({
      code: none ? 'no_data' : 'insufficient_data',
      message:
        (verdicts.length === 0
          ? 'no SLO has events for this service'
          : `no SLO has enough events for the version over ${formatDuration(windowMs)} to judge it`) +
        (unknownService === undefined ? '' : `: ${unknownService}`),
      decision: 'HALT',
    });
    return { decision: 'HALT', reasons };
  }
  if (verdicts.some((v) => v.decision === 'HALT')) return { decision: 'HALT', reasons };
  reasons.push({
    code: 'within_budget',
    message: 'every judged SLO is within budget and no worse than the baseline',
  });
  return { decision: 'PROCEED', reasons };
}

function fixed(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function sci(x: number): string {
  return x === 0 ? '0' : x.toExponential(2);
}
