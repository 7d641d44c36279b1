/**
 * Shared helpers for the examples/deploy tests: paths, YAML/JSON loading, running the Debian
 * tools (promtool, amtool) and small type guards for parsed documents.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Repository root. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** examples/deploy. */
export const DEPLOY = path.join(REPO, 'examples/deploy');

export function deployPath(...parts: string[]): string {
  return path.join(DEPLOY, ...parts);
}

export type Doc = Record<string, unknown>;

export function isRecord(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The record at `value`, or a thrown error naming `what`. */
export function record(value: unknown, what: string): Doc {
  if (!isRecord(value)) throw new Error(`${what}: expected a mapping, got ${JSON.stringify(value)}`);
  return value;
}

export function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

export function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

/** Parses a YAML file under examples/deploy (strict: duplicate keys and bad syntax throw). */
export function readYaml(relative: string): Doc {
  const text = readFileSync(deployPath(relative), 'utf8');
  return record(parse(text, { uniqueKeys: true, strict: true, prettyErrors: true }), relative);
}

/** The rules of a Prometheus rule file under examples/deploy, across its groups. */
export function rulesOf(relative: string): Doc[] {
  return list(readYaml(relative).groups, `${relative} groups`)
    .flatMap((g) => list(record(g, 'group').rules, 'rules'))
    .map((r) => record(r, 'rule'));
}

export function readJson(relative: string): Doc {
  return record(JSON.parse(readFileSync(deployPath(relative), 'utf8')), relative);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; never throws on a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd ?? REPO, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Absolute path of an executable on PATH (or a well-known Debian location), or undefined. */
export function which(name: string, extra: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin'];
  for (const candidate of [...dirs.map((dir) => path.join(dir, name)), ...extra]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * A Debian tool the tests need. CI installs them (.ci/run); a missing one is a failure with the
 * package to install, never a silent skip.
 */
export function requireTool(name: string, debianPackage: string, extra: readonly string[] = []): string {
  const found = which(name, extra);
  if (!found) throw new Error(`${name} not found: apt-get install ${debianPackage} (as .ci/run does)`);
  return found;
}
