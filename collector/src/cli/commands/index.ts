import { gateCommand } from '../../cli-gate/command.ts';
import type { Command } from '../command.ts';
import { checkConfigCommand } from './check-config.ts';
import { configSchemaCommand } from './config-schema.ts';
import { rulesCommand } from './rules.ts';
import { serveCommand } from './serve.ts';

/** Every `breakwater` subcommand, in help order. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  checkConfigCommand,
  rulesCommand,
  gateCommand,
  configSchemaCommand,
];
