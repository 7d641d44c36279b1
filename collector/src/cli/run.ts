import { readFileSync } from 'node:fs';
import { closestName } from '@breakwater/protocol';
import type { Command } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import type { CliIo } from './io.ts';
import { EXIT, UsageError } from './usage-error.ts';

/** Top-level help: the command table. */
export function mainHelp(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: breakwater <command> [options]

Breakwater collector: OTLP/HTTP ingest, SLOs and error budgets, fleet breaker signals.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "breakwater <command> --help" for a command's options, "breakwater --version" for the version.
`;
}

/** What `breakwater` takes besides a command's name, for "did you mean" on an unknown one. */
const TOP_LEVEL_WORDS = ['help', '--help', 'version', '--version'];

/** This package's version (from its package.json: the same file in a checkout and when installed). */
function collectorVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String((manifest as { version?: unknown }).version);
}

/**
 * Runs the CLI with `argv` (without node and the script); resolves to the exit code.
 * Usage errors print the problem and a hint, and exit 2.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === undefined) {
      io.stderr(mainHelp(commands));
      return EXIT.USAGE;
    }
    io.stdout(mainHelp(commands));
    return EXIT.OK;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout(`${collectorVersion()}\n`);
    return EXIT.OK;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    const meant = closestName(name, [...commands.map((c) => c.name), ...TOP_LEVEL_WORDS]);
    const hint = meant === undefined ? '' : ` (did you mean ${meant}?)`;
    io.stderr(`breakwater: unknown command "${name}"${hint}\n\n${mainHelp(commands)}`);
    return EXIT.USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `breakwater ${command.name}: ${error.message}\nRun "breakwater ${command.name} --help" for usage.\n`,
      );
      return EXIT.USAGE;
    }
    io.stderr(`breakwater ${command.name}: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.FAILURE;
  }
}
