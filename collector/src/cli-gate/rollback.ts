import { spawn } from 'node:child_process';

/** How a rollback command runs. */
export interface RunOptions {
  /** Its standard output goes to our stderr (with `--json`, our stdout holds only the answer). */
  readonly stdoutToStderr: boolean;
}

/** Runs a rollback command; resolves with its exit code. Injected in tests. */
export type CommandRunner = (
  command: string,
  env: Readonly<Record<string, string | undefined>>,
  options: RunOptions,
) => Promise<number>;

/**
 * Runs `command` through the shell (`/bin/sh -c`, or `cmd.exe` on Windows), inheriting stdio so
 * its output lands in the CI log. Resolves with the exit code (128 + n when killed by signal n,
 * 127 when the shell could not be started), never rejects: a failed rollback is reported, not thrown.
 */
export const shellRunner: CommandRunner = (command, env, options) =>
  new Promise((resolve) => {
    const child = spawn(command, {
      shell: true,
      stdio: ['ignore', options.stdoutToStderr ? 2 : 'inherit', 'inherit'],
      env: { ...process.env, ...env },
    });
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + signalNumber(signal))));
  });

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0;
}
