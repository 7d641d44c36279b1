/**
 * Entry point of the `breakwater` CLI (`bin/breakwater.js` imports the built copy; from source:
 * `node --conditions=@breakwater/source collector/src/cli/main.ts`).
 */
import { processIo, tolerateClosedOutput } from './io.ts';
import { runCli } from './run.ts';

tolerateClosedOutput(process.stdout);
tolerateClosedOutput(process.stderr);

process.exitCode = await runCli(process.argv.slice(2), processIo);
