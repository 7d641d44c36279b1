/**
 * The demo's child processes: started with Node and the workspace source condition, tracked by
 * PID, stopped by PID (SIGTERM, then SIGKILL after a grace period). A child that exits while the
 * story still needs it is reported, so a stage fails at once instead of timing out.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Repository root (examples/demo/src → ../../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Children run the workspace packages from their TypeScript sources: no build needed. */
const NODE_ARGS = ['--conditions=@breakwater/source'];

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  /** The last lines of stdout and stderr, for failure messages. */
  tail(lines?: number): string;
  /** Calls `fn` for every stdout line (and stderr line, when `stderr` is true). */
  onLine(fn: (line: string, stream: 'stdout' | 'stderr') => void): void;
  /** Whether the process has exited. */
  readonly done: boolean;
}

interface Tracked extends Child {
  stopping: boolean;
}

export class Children {
  private readonly all = new Map<number, Tracked>();
  /** Set when a child exits unexpectedly: which one and how. */
  crashed: string | undefined;

  /** PIDs of every child still running. */
  pids(): number[] {
    return [...this.all.values()].filter((c) => !c.done).map((c) => c.pid);
  }

  /**
   * Starts `node <script> <args>` from the repository root. `stdin: 'pipe'` keeps a pipe open
   * that the child can watch to exit when the demo goes away.
   */
  start(name: string, script: string, args: readonly string[], stdin: 'pipe' | 'ignore' = 'ignore'): Child {
    const proc = spawn(process.execPath, [...NODE_ARGS, script, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: [stdin, 'pipe', 'pipe'],
    });
    if (proc.pid === undefined) throw new Error(`${name}: could not start ${script}`);
    const lines: string[] = [];
    const listeners: ((line: string, stream: 'stdout' | 'stderr') => void)[] = [];
    const read = (stream: 'stdout' | 'stderr') => (line: string) => {
      lines.push(`${stream === 'stderr' ? '! ' : ''}${line}`);
      if (lines.length > 200) lines.splice(0, lines.length - 200);
      for (const fn of listeners) fn(line, stream);
    };
    createInterface({ input: proc.stdout! }).on('line', read('stdout'));
    createInterface({ input: proc.stderr! }).on('line', read('stderr'));
    // A broken stdin pipe (the child already gone) must not crash the demo.
    proc.stdin?.on('error', () => {});
    let done = false;
    const exited = once(proc, 'exit').then(([code, signal]) => {
      done = true;
      if (!child.stopping && this.crashed === undefined) {
        this.crashed = `${name} (pid ${proc.pid}) exited unexpectedly (${code ?? signal}):\n${tail(15)}`;
      }
      return code as number | null;
    });
    const tail = (n = 20) =>
      lines
        .slice(-n)
        .map((l) => `    ${l}`)
        .join('\n');
    const child: Tracked = {
      name,
      pid: proc.pid,
      process: proc,
      exited,
      tail,
      onLine: (fn) => {
        listeners.push(fn);
      },
      get done() {
        return done;
      },
      stopping: false,
    };
    this.all.set(proc.pid, child);
    return child;
  }

  /** Stops one child by PID: SIGTERM (and its stdin closed), SIGKILL after `graceMs`. */
  async stop(child: Child, graceMs = 5_000): Promise<void> {
    const tracked = this.all.get(child.pid);
    if (tracked === undefined || tracked.done) return;
    tracked.stopping = true;
    tracked.process.stdin?.end();
    try {
      process.kill(tracked.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(tracked.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    await tracked.exited;
    clearTimeout(timer);
  }

  /** Stops every child still running, all at once; resolves when each has exited. */
  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all([...this.all.values()].map((c) => this.stop(c, graceMs)));
  }

  /** SIGKILL to every child still running (a second Ctrl-C). */
  killAll(): void {
    for (const c of this.all.values()) {
      if (c.done) continue;
      c.stopping = true;
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
