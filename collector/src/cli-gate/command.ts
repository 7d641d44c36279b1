import type { Command } from '../cli/command.ts';
import { GATE_HELP } from './help.ts';
import { runGateCommand } from './run-gate.ts';

/** `breakwater gate`, ready for the CLI's command table (`cli/commands/index.ts`). */
export const gateCommand: Command = {
  name: 'gate',
  summary: 'ask the error-budget deployment gate: PROCEED (0) / HALT (10) / ROLLBACK (20)',
  help: GATE_HELP,
  run(args, io) {
    return runGateCommand(args, io);
  },
};
