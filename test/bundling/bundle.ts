/**
 * Builds the bundling tests' fixtures with esbuild's JS API, as an app's build would: everything
 * inlined unless marked external, the workspace packages from their TypeScript sources.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

const FIXTURES = fileURLToPath(new URL('fixtures/', import.meta.url));

/**
 * ESM output needs a `require` for the CommonJS packages bundled in (OpenTelemetry's), as the
 * README says; named apart from the `createRequire` a bundled package may declare itself.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as bundleCreateRequire } from 'node:module'; const require = bundleCreateRequire(import.meta.url);";

/** Bundles `entry` (a fixture) into `outfile` in `dir`; fails on any error. Returns its path. */
export async function bundle(
  entry: string,
  dir: string,
  outfile: string,
  options: BuildOptions,
): Promise<string> {
  const out = join(dir, outfile);
  const result = await build({
    entryPoints: [join(FIXTURES, entry)],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node22',
    // The workspace packages' TypeScript sources: no `npm run build` needed first.
    conditions: ['@breakwater/source'],
    logLevel: 'silent',
    ...options,
  });
  assert.deepEqual(result.errors, []);
  return out;
}
