/**
 * `npm run demo`: see examples/demo/README.md, or run with `--help`.
 *
 * node --conditions=@breakwater/source examples/demo/run.ts [--short] [--keep]
 */
import { main } from './src/main.ts';

process.exitCode = await main(process.argv.slice(2));
