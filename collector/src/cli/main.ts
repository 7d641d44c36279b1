/**
 * Entry point of the `breakwater` CLI (`bin/breakwater.js` imports the built copy; from source:
 * `node --conditions=@breakwater/source collector/src/cli/main.ts`).
 */
import { processIo } from './io.ts';
import { runCli } from './run.ts';

process.exitCode = await runCli(process.argv.slice(2), processIo);
