import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Logger } from '../../component.ts';

/** Debian's `promtool` (package prometheus). */
export const PROMTOOL = '/usr/bin/promtool';
/** Debian's Alertmanager binary (package prometheus-alertmanager). */
export const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

/** Why a test that needs `binary` must be skipped, or `false` when it can run. */
export function skipUnless(binary: string, pkg: string): string | false {
  return existsSync(binary) ? false : `${binary} not found: install the Debian package ${pkg}`;
}

/** Runs a command to completion with optional stdin (bounded by `timeoutMs`). */
export function run(
  command: string,
  args: readonly string[],
  stdin?: string,
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} timed out`));
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** A logger that keeps what it is given, for assertions. */
export function memoryLogger(): Logger & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const make = (): Logger & { lines: typeof lines } => ({
    lines,
    debug: (obj, msg) => void lines.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj, msg }),
    child: () => make(),
  });
  return make();
}
