#!/usr/bin/env node
// The `breakwater` CLI. An installed package runs the built code; a repository checkout that has
// not been built yet runs the TypeScript sources instead (Node 22.18 and later strip the types),
// so `npx breakwater` works right after `npm install`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dropSqliteExperimentalWarning } from './quiet-warnings.js';

// The store is `node:sqlite`: an older Node would fail at the first import with a stack trace.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(`breakwater: needs Node 22.15 or later (this is Node ${process.versions.node})\n`);
  process.exit(1);
}
dropSqliteExperimentalWarning();

const built = new URL('../dist/cli/main.js', import.meta.url);
const source = new URL('../src/cli/main.ts', import.meta.url);

if (existsSync(fileURLToPath(built)) || !existsSync(fileURLToPath(source))) {
  await import(built.href);
} else if (!process.features.typescript) {
  // Node strips types by default only from 22.18 (earlier 22.x fail on the first `.ts` import
  // with ERR_UNKNOWN_FILE_EXTENSION); the built code runs on any supported Node.
  process.stderr.write(
    `breakwater: this checkout has no build, and Node ${process.versions.node} cannot run its TypeScript sources: run \`npm run build\` at the repository root, or use Node 22.18 or later\n`,
  );
  process.exit(1);
} else {
  // The workspace packages resolve to their sources under the `@breakwater/source` condition, as
  // with `--conditions=@breakwater/source`; set here, in this process. (A child process would get
  // a terminal's Ctrl-C twice, once from the terminal and once passed on, and a second signal
  // means "exit without waiting".)
  const { registerHooks } = await import('node:module');
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      nextResolve(specifier, { ...context, conditions: [...context.conditions, '@breakwater/source'] }),
  });
  await import(source.href);
}
