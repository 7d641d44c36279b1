import {
  formatDuration,
  type GateDecision,
  type GateReason,
  type GateReasonCode,
  type GateSloEvidence,
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
  required: boolean;
}

/** Everything the decision for one SLO depends on: counts only, no I/O. */
export interface SloGateInput {
  slo: string;
  objective: number;
  /** Counts of the version under test per window length (must hold the gate and fast-burn windows). */
  version: ReadonlyMap<number, GoodTotal>;
  /** Baseline counts over the gate window; `undefined` when there is no baseline version. */
  baseline: GoodTotal | undefined;
  /** Every version of the service over the SLO window (the budget). */
  service: GoodTotal;
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
 * - ROLLBACK `worse_than_baseline`: both sides have `minEvents` and a one-sided two-proportion
 *   test (Fisher's exact test for small counts) finds the version worse at `significance`;
 * - HALT `budget_below_reserve`: the service has `minEvents` over the SLO window and less than
 *   `reserve` of its budget left;
 * - HALT `insufficient_data` / `no_data`: the version has fewer than `minEvents` (only when the
 *   SLO is `required`; otherwise the SLO is reported as not judged);
 * - PROCEED otherwise.
 */
export function decideSlo(input: SloGateInput, rules: SloRules): SloVerdict {
  const { slo, objective } = input;
  const at = (ms: number): GoodTotal => input.version.get(ms) ?? ZERO;
  const sample = at(rules.windowMs);
  const reasons: GateReason[] = [];
  const push = (code: GateReasonCode, message: string, decision?: GateDecision) => {
    reasons.push({ code, message, slo, ...(decision === undefined ? {} : { decision }) });
  };

  // Shortest window first, so the report and the API read like the alert rules.
  const windows = [rules.windowMs, ...rules.fastBurn.flatMap((r) => [r.longWindowMs, r.shortWindowMs])];
  const burnRates: Record<string, number | null> = {};
  for (const ms of [...new Set(windows)].sort((a, b) => a - b))
    burnRates[formatDuration(ms)] = burnRate(at(ms), objective);
  const remaining = budgetRemaining(input.service, objective);
  const evidence: SloVerdict['evidence'] = {
    slo,
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
      `${slo}: burning ${fixed(longRate)}x over ${formatDuration(rule.longWindowMs)} and ${fixed(shortRate)}x over ${formatDuration(rule.shortWindowMs)} (page threshold ${fixed(rule.burnRate)}x; ${bad}/${long.total} bad over ${formatDuration(rule.longWindowMs)}, p=${sci(p)})`,
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
          `${slo}: burn rate ${fixed(rate)}x over ${window} (${bad}/${sample.total} bad), above ${fixed(rules.sustainedBurnRate)}x (p=${sci(p)})`,
          'ROLLBACK',
        );
      }
    }
  }

  if (rules.compare) compare(input, rules, sample, evidence, push);

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

function compare(
  input: SloGateInput,
  rules: SloRules,
  sample: GoodTotal,
  evidence: SloVerdict['evidence'],
  push: (code: GateReasonCode, message: string, decision?: GateDecision) => void,
): void {
  const { slo, baseline } = input;
  if (baseline === undefined) {
    push('no_baseline', `${slo}: no other version of the service to compare with`);
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
  evidence.comparison = {
    canaryErrorRatio,
    baselineErrorRatio,
    pValue: result.pValue,
    significant,
    test: result.test,
  };
  if (significant) {
    push(
      'worse_than_baseline',
      `${slo}: error ratio ${pct(canaryErrorRatio)} vs baseline ${pct(baselineErrorRatio)} (${result.test === 'z' ? 'two-proportion z-test' : "Fisher's exact test"}, p=${sci(result.pValue)})`,
      'ROLLBACK',
    );
  }
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
