import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Node flags that run workspace packages straight from their TypeScript sources. */
export const SOURCE_NODE_ARGS = ['--conditions=@breakwater/source'];

export interface StartOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Resolves once a line of stdout/stderr matches. */
  readyLine?: RegExp;
  /** Resolves once GET on this URL answers 2xx. */
  readyUrl?: string;
  timeoutMs?: number;
  /** Label for error messages and logs. */
  name?: string;
}

/** A child process started by a test; stopped by PID, output kept for failure messages. */
export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null if signalled). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL at once (no chance to flush), for crash tests. */
  kill9(): Promise<void>;
  readonly exited: Promise<number | null>;
}

const running = new Set<RunningProcess>();

/** Starts `node <args>` with Node 24 (the test runner's own binary) and waits until ready. */
export function startNode(args: readonly string[], options: StartOptions = {}): Promise<RunningProcess> {
  return startProcess(process.execPath, [...SOURCE_NODE_ARGS, ...args], options);
}

/** Starts any command and waits until it is ready (a log line or a URL), or fails with its output. */
export async function startProcess(
  command: string,
  args: readonly string[],
  options: StartOptions = {},
): Promise<RunningProcess> {
  const name = options.name ?? path.basename(args.find((a) => !a.startsWith('-')) ?? command);
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const lineWaiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    log += chunk.toString('utf8');
    if (log.length > 1_000_000) log = log.slice(-500_000);
    for (const wake of lineWaiters) wake();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let done = false;
  void exited.then(() => {
    done = true;
  });

  const handle: RunningProcess = {
    name,
    child,
    pid: child.pid ?? -1,
    output: () => log,
    exited,
    async stop(graceMs = 5_000) {
      running.delete(handle);
      if (done) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill9() {
      running.delete(handle);
      if (done) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  running.add(handle);

  const ready = async (): Promise<boolean> => {
    if (options.readyLine && !options.readyLine.test(log)) return false;
    if (options.readyUrl) {
      const response = await fetch(options.readyUrl).catch(() => undefined);
      if (!response?.ok) return false;
    }
    return true;
  };
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  // A process may print its ready line and exit at once (a short job): ready wins over exit.
  for (;;) {
    if (await ready()) break;
    const failure = done
      ? `${name} exited with code ${await exited} before it was ready`
      : Date.now() > deadline
        ? `timed out after ${options.timeoutMs ?? 20_000} ms waiting for ${name} to become ready`
        : undefined;
    if (failure !== undefined) {
      await handle.stop(1_000);
      throw new Error(`${failure}\n--- ${name} output ---\n${log}`);
    }
    await sleep(50);
  }
  return handle;
}

/** Stops every process started by this test file that is still running (use in `after`). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(2_000)));
}
