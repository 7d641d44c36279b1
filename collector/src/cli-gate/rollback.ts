import { spawn } from 'node:child_process';
import type { Clock, TimerHandle } from '@breakwater/protocol';

/** How a rollback command runs. */
export interface RunOptions {
  /** Its standard output goes to our stderr (with `--json`, our stdout holds only the answer). */
  readonly stdoutToStderr: boolean;
  /** Ended (SIGTERM, SIGKILL 5 s later) after this long; it then exits {@link TIMED_OUT}. */
  readonly timeoutMs: number;
  readonly clock: Clock;
}

/** The exit code of a rollback command ended for its timeout (as `timeout(1)` gives). */
export const TIMED_OUT = 124;

/** How long a command given SIGTERM for its timeout has to exit before SIGKILL. */
const KILL_AFTER_MS = 5_000;

/** Runs a rollback command; resolves with its exit code. Injected in tests. */
export type CommandRunner = (
  command: string,
  env: Readonly<Record<string, string | undefined>>,
  options: RunOptions,
) => Promise<number>;

/**
 * Runs `command` through the shell (`/bin/sh -c`, or `cmd.exe` on Windows), inheriting stdio so
 * its output lands in the CI log. Resolves with the exit code (128 + n when killed by signal n,
 * 127 when the shell could not be started, {@link TIMED_OUT} when ended for its timeout: a hung
 * `kubectl rollout` would otherwise hold the job until the CI's own limit), never rejects: a
 * failed rollback is reported, not thrown.
 */
export const shellRunner: CommandRunner = (command, env, options) =>
  new Promise((resolve) => {
    const child = spawn(command, {
      shell: true,
      stdio: ['ignore', options.stdoutToStderr ? 2 : 'inherit', 'inherit'],
      env: { ...process.env, ...env },
    });
    const { clock } = options;
    let timedOut = false;
    let kill: TimerHandle | undefined;
    const timeout = clock.setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      kill = clock.setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    }, options.timeoutMs);
    const done = (code: number) => {
      clock.clearTimeout(timeout);
      if (kill !== undefined) clock.clearTimeout(kill);
      resolve(timedOut ? TIMED_OUT : code);
    };
    child.once('error', () => done(127));
    child.once('exit', (code, signal) => done(code ?? (signal === null ? 1 : 128 + signalNumber(signal))));
  });

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0;
}
