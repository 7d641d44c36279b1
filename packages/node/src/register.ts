/**
 * `node --import @breakwater/node/register app.js`: instruments an app without code changes,
 * configured from `OTEL_*` and `BREAKWATER_*` environment variables.
 *
 * ESM apps need a loader hook so `import 'openai'` can be patched; hook.ts registers it before
 * the app's modules load. An app that needs options with no variable (`policies`) imports
 * `@breakwater/node/hook` and calls `start()` in its own `--import` file instead. No top-level
 * await, so this module can be required.
 */
import './hook.ts';
import { startAs } from './start.ts';

// Said to be the register hook's, so an app's own start() later hears why its options are ignored.
startAs({}, 'register');
