/**
 * Stand-alone entry of `breakwater gate` (until the CLI's command table lists it):
 * `node --conditions=@breakwater/source collector/src/cli-gate/main.ts --service S --version V`.
 */
import { runGateCommand } from './run-gate.ts';

process.exitCode = await runGateCommand(process.argv.slice(2));
