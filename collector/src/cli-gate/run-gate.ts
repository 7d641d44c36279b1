import {
  type Clock,
  formatDuration,
  GATE_EXIT_CODES,
  type GateAnswer,
  gateSloLabel,
  gateWaitsForData,
  systemClock,
} from '@breakwater/protocol';
import {
  buildIncidentReport,
  type RecoveryOutcome,
  type RollbackOutcome,
  sloDecisionText,
} from '../act/gate/report.ts';
import { UsageError } from '../cli/usage-error.ts';
import { postIncidentAlert } from './alert-push.ts';
import { GateClient, GateClientError } from './client.ts';
import { GATE_HELP } from './help.ts';
import { type GateCliOptions, parseGateOptions } from './options.ts';
import { poll } from './poll.ts';
import { trackRecovery } from './recovery.ts';
import { type ReportFiles, writeIncidentReport } from './report-files.ts';
import { type CommandRunner, shellRunner, TIMED_OUT } from './rollback.ts';
import { terminalText } from './terminal-text.ts';

/** What `breakwater gate` touches, injectable for tests. */
export interface GateIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
  fetch?: typeof fetch;
  /** Runs the `--on-rollback` command (default: the shell). */
  run?: CommandRunner;
}

const defaultIo: GateIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
};

/**
 * `breakwater gate`: asks the collector for a decision (once, `--wait` or `--watch`), runs the
 * rollback hook and tracks recovery on ROLLBACK, writes the incident report on ROLLBACK or HALT,
 * and resolves to the exit code: 0 PROCEED, 10 HALT, 20 ROLLBACK, 2 usage or connection error.
 */
export async function runGateCommand(argv: readonly string[], io: GateIo = defaultIo): Promise<number> {
  let options: GateCliOptions;
  try {
    options = parseGateOptions(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`breakwater gate: ${error.message}\nRun "breakwater gate --help" for usage.\n`);
    return GATE_EXIT_CODES.ERROR;
  }
  if (options.help) {
    io.stdout(GATE_HELP);
    return 0;
  }
  // Every line but the --json answer (JSON escapes them itself) goes through terminalText: the
  // collector's answers and errors carry strings that SDKs sent.
  const out = (line: string) => io.stdout(`${terminalText(line)}\n`);
  const err = (line: string) => io.stderr(`${terminalText(line)}\n`);
  for (const warning of options.warnings) err(`breakwater gate: ${warning}`);
  const clock = io.clock ?? systemClock;
  const client = new GateClient({
    baseUrl: options.url,
    token: options.token,
    clock,
    fetch: io.fetch ?? fetch,
    timeoutMs: options.timeoutMs,
  });
  const say = (line: string) => (options.json ? err(line) : out(line));
  const ask = () =>
    client.decide({
      service: options.service,
      version: options.version,
      baseline: options.baseline,
      slo: options.slo,
    });

  let answer: GateAnswer;
  try {
    const span = options.waitMs ?? options.watchMs;
    answer =
      span === undefined
        ? await ask()
        : await poll(ask, {
            clock,
            intervalMs: options.intervalMs,
            // Monotonic: a forward step of the wall clock must not cut a canary's bake time short.
            deadline: clock.monotonic() + span,
            mode: options.waitMs !== undefined ? 'wait' : 'watch',
            onAnswer: (a) => err(`gate: ${a.decision}${gateWaitsForData(a) ? ' (waiting for traffic)' : ''}`),
            onRetry: (e) => err(`gate: ${e.message}; retrying`),
          });
  } catch (error) {
    if (!(error instanceof GateClientError)) throw error;
    err(`breakwater gate: ${error.message}`);
    return GATE_EXIT_CODES.ERROR;
  }
  // Wall times for the report; the latency is measured on the monotonic clock.
  const detectedAt = clock.now();
  const detectedAtMono = clock.monotonic();
  printAnswer(answer, options, say);

  let rollback: RollbackOutcome | undefined;
  let recovery: RecoveryOutcome | undefined;
  if (answer.decision === 'ROLLBACK' && options.onRollback !== undefined) {
    say(`running rollback: ${options.onRollback}`);
    const exitCode = await (io.run ?? shellRunner)(
      options.onRollback,
      {
        BREAKWATER_GATE_SERVICE: answer.service,
        BREAKWATER_GATE_VERSION: answer.version,
        BREAKWATER_GATE_DECISION: answer.decision,
      },
      { stdoutToStderr: options.json, timeoutMs: options.rollbackTimeoutMs, clock },
    );
    rollback = {
      command: options.onRollback,
      exitCode,
      detectedAt,
      finishedAt: clock.now(),
      latencyMs: clock.monotonic() - detectedAtMono,
    };
    say(
      `rollback ${rollbackEnd(exitCode, options.rollbackTimeoutMs)} ${(rollback.latencyMs / 1000).toFixed(1)} s after the violation was detected`,
    );
    await bestEffort(err, () =>
      client.report({
        kind: 'rollback',
        service: answer.service,
        version: answer.version,
        latencyMs: rollback!.latencyMs,
        exitCode,
      }),
    );
    if (exitCode !== 0) {
      // Nothing was rolled back for the SLIs to recover from: a recovery measured now would
      // count the baseline's health as the rollback's success.
      say('recovery not tracked: the rollback command failed');
    } else {
      recovery = await trackRecovery(client, {
        clock,
        service: answer.service,
        // The rollback's end on the collector's clock (the answer's time plus the rollback's
        // latency), so a skew between the two machines' clocks does not move it.
        sinceMs: answer.evaluatedAt + rollback.latencyMs,
        timeoutMs: options.recoveryTimeoutMs,
        intervalMs: options.intervalMs,
      }).catch((error: unknown) => {
        // Refused: nothing measured, so nothing reported (the decision still sets the exit code).
        if (!(error instanceof GateClientError)) throw error;
        say(`recovery not tracked: ${error.message}`);
        return undefined;
      });
    }
    if (recovery !== undefined) {
      const tracked = recovery;
      say(
        tracked.recovered
          ? `recovered: SLIs green ${((tracked.recoveryMs ?? 0) / 1000).toFixed(1)} s after the rollback`
          : `not recovered within ${options.recoveryTimeoutMs / 1000} s`,
      );
      await bestEffort(err, () =>
        client.report({
          kind: 'recovery',
          service: answer.service,
          version: answer.version,
          recovered: tracked.recovered,
          ...(tracked.recoveryMs === undefined ? {} : { recoveryMs: tracked.recoveryMs }),
        }),
      );
    }
  }

  let files: ReportFiles | undefined;
  // A HALT only for missing data (traffic has not arrived yet) is no incident, as for the collector.
  if (
    answer.decision !== 'PROCEED' &&
    !gateWaitsForData(answer) &&
    (options.reportDir !== undefined || options.alertmanagerUrl !== undefined)
  ) {
    const report = buildIncidentReport(answer, {
      ...(options.traceUrlTemplate === undefined ? {} : { traceUrlTemplate: options.traceUrlTemplate }),
      ...(rollback === undefined ? {} : { rollback }),
      ...(recovery === undefined ? {} : { recovery }),
    });
    if (options.reportDir !== undefined) {
      // The decision is what the pipeline acts on: an unwritable report directory is reported,
      // like a failed Alertmanager push, but must not turn HALT/ROLLBACK into another exit code.
      try {
        files = await writeIncidentReport(options.reportDir, report, clock.now());
        say(`incident report: ${files.markdown}`);
      } catch (error) {
        err(
          `breakwater gate: could not write the incident report to ${options.reportDir}: ${(error as Error).message}`,
        );
      }
    }
    if (options.alertmanagerUrl !== undefined) {
      const failed = await postIncidentAlert(
        {
          url: options.alertmanagerUrl,
          headers: options.alertmanagerHeaders,
          labels: options.alertmanagerLabels,
          timeoutMs: options.timeoutMs,
        },
        report,
        clock,
        (error, delayMs) =>
          err(
            `breakwater gate: could not post the incident to Alertmanager (${error}); trying again in ${delayMs / 1000} s`,
          ),
      );
      if (failed !== undefined)
        err(`breakwater gate: could not post the incident to Alertmanager: ${failed}`);
    }
  }
  if (options.json) {
    io.stdout(
      `${JSON.stringify({ ...answer, ...(rollback === undefined ? {} : { rollback }), ...(recovery === undefined ? {} : { recovery }), ...(files === undefined ? {} : { report: files }) }, null, 2)}\n`,
    );
  }
  return GATE_EXIT_CODES[answer.decision];
}

function printAnswer(answer: GateAnswer, options: GateCliOptions, say: (line: string) => void): void {
  const baseline = answer.baseline.length > 0 ? ` vs ${answer.baseline.join(', ')}` : '';
  say(`${answer.decision} ${answer.service}@${answer.version}${baseline} (window ${answer.window})`);
  for (const r of answer.reasons) say(`  ${r.decision === undefined ? '·' : '!'} ${r.code}: ${r.message}`);
  if (!options.json) {
    for (const s of answer.slos) {
      const bad = s.sample.total - s.sample.good;
      say(
        `  ${gateSloLabel(s.slo, s.operation)}: ${sloDecisionText(s)}, ${bad}/${s.sample.total} bad, budget left ${(s.budgetRemaining * 100).toFixed(1)}%`,
      );
    }
  }
}

async function bestEffort(err: (line: string) => void, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    err(`breakwater gate: could not report to the collector: ${(error as Error).message}`);
  }
}

/** How the rollback command ended, for the progress line. */
function rollbackEnd(exitCode: number, timeoutMs: number): string {
  if (exitCode === 0) return 'finished';
  if (exitCode === TIMED_OUT)
    return `failed (exit ${exitCode}: ended after --rollback-timeout ${formatDuration(timeoutMs)})`;
  return `failed (exit ${exitCode})`;
}
