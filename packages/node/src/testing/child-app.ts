/**
 * A child Node process running an app script (an ES module, the package imported from source)
 * for tests of what a whole process does: how it exits, what it flushes.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Resolves `what()` once it is truthy, polling every 10 ms; rejects after `ms`. */
export async function until<T>(what: () => T | undefined, ms: number, message: () => string): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = what();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(message());
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface ChildApp {
  readonly child: ChildProcessWithoutNullStreams;
  /** Its stdout and stderr so far, interleaved. */
  output(): string;
  /** How it ended, once it has. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/**
 * Starts `script` in the package's directory, with the parent's OpenTelemetry and Breakwater
 * settings left out of its environment (plus `env`); killed after the test if still running.
 */
export function startChildApp(t: TestContext, script: string, env: Record<string, string> = {}): ChildApp {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('BREAKWATER_')) clean[key] = value;
  }
  const child = spawn(
    process.execPath,
    ['--conditions=@breakwater/source', '--input-type=module', '--eval', script],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)), env: { ...clean, ...env }, stdio: 'pipe' },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d;
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.on('exit', (code, signal) => {
    exit = { code, signal };
  });
  t.after(() => {
    if (exit === undefined) child.kill('SIGKILL');
  });
  return { child, output: () => out, exit: () => exit };
}
