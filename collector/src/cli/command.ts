import type { CliIo } from './io.ts';

/**
 * One `breakwater` subcommand. The CLI is a table of these, so a new command (e.g. `gate`) is
 * one file and one line in `commands/index.ts`.
 */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text. */
  readonly help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
