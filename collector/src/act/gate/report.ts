import {
  GATE_NO_DATA_CODES,
  type GateAnswer,
  type GateOperation,
  type GateSloEvidence,
  gateSloLabel,
} from '@breakwater/protocol';
import { ratioToPercent } from '../../config/slo/objective.ts';
import { TRACE_ID_PLACEHOLDER } from '../../config/trace-url-template.ts';
import { markdownCell, markdownCode, markdownText } from './markdown-text.ts';

/** The rollback the CLI ran, as measured. */
export interface RollbackOutcome {
  command: string;
  exitCode: number;
  /** Epoch ms of the ROLLBACK answer (violation detected). */
  detectedAt: number;
  /** Epoch ms the command finished. */
  finishedAt: number;
  latencyMs: number;
}

/** Whether the service recovered after the rollback. */
export interface RecoveryOutcome {
  recovered: boolean;
  /** Rollback finished → SLIs green; absent when not recovered. */
  recoveryMs?: number;
  timeoutMs: number;
}

/** Options of {@link buildIncidentReport}. */
export interface IncidentOptions {
  /** e.g. `http://jaeger:16686/trace/{traceId}`; without it trace ids are listed bare. */
  traceUrlTemplate?: string;
  rollback?: RollbackOutcome;
  recovery?: RecoveryOutcome;
}

/** A trace id and, with a template, its link. */
export interface TraceLink {
  traceId: string;
  url?: string;
}

/** The JSON incident report (`incident.json`). */
export interface IncidentReport {
  kind: 'breakwater.gate.incident';
  schemaVersion: 1;
  decision: GateAnswer['decision'];
  service: string;
  version: string;
  baseline: string[];
  window: string;
  evaluatedAt: string;
  summary: string;
  reasons: GateAnswer['reasons'];
  topErrorCategories: { category: string; count: number }[];
  topErrorTypes: { errorType: string; count: number }[];
  /** `operation`: the SLO's operation it was found in, when the SLO is judged per operation. */
  failingDependency: {
    dependency: string;
    bad: number;
    total: number;
    slo: string;
    operation?: GateOperation;
  } | null;
  exampleTraces: TraceLink[];
  slos: (GateSloEvidence & { exampleTraces: TraceLink[] })[];
  rollback: RollbackOutcome | null;
  recovery: RecoveryOutcome | null;
  /** What the collector does not track yet, so readers know what is absent rather than zero. */
  notTracked: string[];
}

/** `{traceId}` in the template replaced by the id. */
export function traceUrl(template: string, traceId: string): string {
  return template.replaceAll(TRACE_ID_PLACEHOLDER, encodeURIComponent(traceId));
}

/**
 * The incident report for a ROLLBACK or HALT answer: the decision and its reasons, SLO state,
 * top error categories and `error.type`s, the failing dependency and example traces, plus the
 * rollback and recovery outcomes when known.
 */
export function buildIncidentReport(answer: GateAnswer, options: IncidentOptions = {}): IncidentReport {
  const link = (traceId: string): TraceLink =>
    options.traceUrlTemplate === undefined
      ? { traceId }
      : { traceId, url: traceUrl(options.traceUrlTemplate, traceId) };
  const categories = new Map<string, number>();
  const types = new Map<string, number>();
  let failing: IncidentReport['failingDependency'] = null;
  const traces = new Set<string>();
  for (const slo of answer.slos) {
    for (const c of slo.topErrorCategories ?? [])
      categories.set(c.category, (categories.get(c.category) ?? 0) + c.count);
    for (const t of slo.topErrorTypes ?? []) types.set(t.errorType, (types.get(t.errorType) ?? 0) + t.count);
    const dep = slo.failingDependency;
    if (dep !== undefined && (failing === null || dep.bad > failing.bad))
      failing = {
        ...dep,
        slo: slo.slo,
        ...(slo.operation === undefined ? {} : { operation: slo.operation }),
      };
    for (const id of slo.exampleTraceIds ?? []) traces.add(id);
  }
  const notTracked: string[] = [];
  if (answer.slos.every((s) => s.topErrorTypes === undefined)) {
    notTracked.push('error.type per version (add "error.type" to an SLO\'s groupBy to track it)');
  }
  if (failing === null)
    notTracked.push('dependency per version (add "dependency" to an SLO\'s groupBy to track it)');
  const rank = <K extends string>(m: Map<string, number>, key: K) =>
    [...m]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([name, count]) => ({ [key]: name, count }) as Record<K, string> & { count: number });
  return {
    kind: 'breakwater.gate.incident',
    schemaVersion: 1,
    decision: answer.decision,
    service: answer.service,
    version: answer.version,
    baseline: answer.baseline,
    window: answer.window,
    evaluatedAt: new Date(answer.evaluatedAt).toISOString(),
    summary: summarize(answer),
    reasons: answer.reasons,
    topErrorCategories: rank(categories, 'category'),
    topErrorTypes: rank(types, 'errorType'),
    failingDependency: failing,
    exampleTraces: [...traces].slice(0, 5).map(link),
    slos: answer.slos.map((s) => ({ ...s, exampleTraces: (s.exampleTraceIds ?? []).map(link) })),
    rollback: options.rollback ?? null,
    recovery: options.recovery ?? null,
    notTracked,
  };
}

/** One line: what was decided and the first reason that drove it. */
export function summarize(answer: GateAnswer): string {
  const drivers = answer.reasons.filter((r) => r.decision === answer.decision);
  // A HALT that is not only for missing data (series_overflow beside no_data) is an incident
  // because of its other reasons: the summary names one of them.
  const driver =
    drivers.find((r) => !(GATE_NO_DATA_CODES as readonly string[]).includes(r.code)) ??
    drivers[0] ??
    answer.reasons[0];
  return `${answer.decision} ${answer.service}@${answer.version}${driver === undefined ? '' : `: ${driver.message}`}`;
}

/** The report as Markdown (`incident.md`). */
export function renderIncidentMarkdown(report: IncidentReport): string {
  const lines: string[] = [];
  lines.push(`# ${report.decision}: ${markdownText(`${report.service} ${report.version}`)}`, '');
  lines.push(`- Evaluated: ${report.evaluatedAt} over the last ${report.window}`);
  lines.push(`- Baseline: ${report.baseline.length > 0 ? markdownText(report.baseline.join(', ')) : 'none'}`);
  if (report.failingDependency !== null) {
    const d = report.failingDependency;
    lines.push(
      `- Failing dependency: ${markdownCode(d.dependency)} (${d.bad} of ${d.total} calls bad, SLO ${markdownText(gateSloLabel(d.slo, d.operation))})`,
    );
  }
  lines.push('', '## Reasons', '');
  for (const r of report.reasons)
    lines.push(
      `- ${markdownCode(r.code)}${r.decision === undefined ? '' : ` (${r.decision})`}: ${markdownText(r.message)}`,
    );
  lines.push('', '## SLO state', '');
  lines.push('| SLO | objective | decision | events (bad) | burn rates | budget left | vs baseline |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const s of report.slos) {
    const burn = Object.entries(s.burnRates)
      .map(([w, r]) => `${w}: ${r === null ? 'n/a' : r.toFixed(2)}`)
      .join(', ');
    const cmp =
      s.comparison === undefined
        ? 'n/a'
        : `${pct(s.comparison.canaryErrorRatio)} vs ${pct(s.comparison.baselineErrorRatio)} (p=${s.comparison.pValue.toExponential(2)})`;
    lines.push(
      `| ${markdownCell(gateSloLabel(s.slo, s.operation))} | ${ratioToPercent(s.objective)}% | ${sloDecisionText(s)} | ${s.sample.total} (${s.sample.total - s.sample.good}) | ${burn} | ${pct(s.budgetRemaining)} | ${cmp} |`,
    );
  }
  lines.push('', '## Top error categories', '');
  if (report.topErrorCategories.length === 0) lines.push('none recorded');
  for (const c of report.topErrorCategories) lines.push(`- ${markdownCode(c.category)}: ${c.count}`);
  lines.push('', '## Top error types', '');
  if (report.topErrorTypes.length === 0) lines.push('not tracked per version');
  for (const t of report.topErrorTypes) lines.push(`- ${markdownCode(t.errorType)}: ${t.count}`);
  lines.push('', '## Example traces', '');
  if (report.exampleTraces.length === 0) lines.push('none recorded');
  for (const t of report.exampleTraces)
    lines.push(t.url === undefined ? `- \`${t.traceId}\`` : `- [${t.traceId}](${t.url})`);
  if (report.rollback !== null) {
    const r = report.rollback;
    lines.push('', '## Rollback', '');
    lines.push(`- Command: ${markdownCode(r.command)} → exit ${r.exitCode}`);
    lines.push(`- Latency (violation detected → command finished): ${(r.latencyMs / 1000).toFixed(1)} s`);
  }
  if (report.recovery !== null) {
    const r = report.recovery;
    lines.push('', '## Recovery', '');
    lines.push(
      r.recovered
        ? `- Recovered: SLIs green ${((r.recoveryMs ?? 0) / 1000).toFixed(1)} s after the rollback`
        : `- Not recovered within ${(r.timeoutMs / 1000).toFixed(0)} s`,
    );
  }
  if (report.notTracked.length > 0) {
    lines.push('', '## Not tracked', '');
    for (const n of report.notTracked) lines.push(`- ${n}`);
  }
  return `${lines.join('\n')}\n`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/**
 * One SLO's decision for people: an SLO with too few events to judge says so rather than
 * `PROCEED` (it argued for nothing); one that still decided (required, or burning over its long
 * window) keeps its decision beside it.
 */
export function sloDecisionText(s: Pick<GateSloEvidence, 'decision' | 'judged'>): string {
  if (s.judged !== false) return s.decision;
  return s.decision === 'PROCEED' ? 'not judged' : `${s.decision}, not judged`;
}
