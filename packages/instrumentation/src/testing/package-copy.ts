/**
 * Second copies of this package's modules in one process, for tests of what copies share through
 * `globalThis` (an app bundled with its own copy, a dependency pinning another version).
 * `importCopy('./runtime.ts', 'a', '0.0.1-other')` loads the module and every module it reaches by
 * a relative import afresh, as copy `a`, with `PACKAGE_VERSION` given as the copy's version.
 */
import { registerHooks } from 'node:module';

const COPY = 'breakwater-copy';
const versions = new Map<string, string>();

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const copy = context.parentURL === undefined ? null : new URL(context.parentURL).searchParams.get(COPY);
    // Relative imports stay within the copy; packages (`@breakwater/resilience`) are shared.
    if (copy === null || !specifier.startsWith('.')) return resolved;
    const url = new URL(resolved.url);
    url.searchParams.set(COPY, copy);
    return { ...resolved, url: url.href };
  },
  load(url, context, nextLoad) {
    const loaded = nextLoad(url, context);
    const parsed = new URL(url);
    const version = versions.get(parsed.searchParams.get(COPY) ?? '');
    if (version === undefined || !parsed.pathname.endsWith('/version.ts')) return loaded;
    const source = String(loaded.source).replace(
      /PACKAGE_VERSION = '[^']*'/,
      `PACKAGE_VERSION = '${version}'`,
    );
    return { ...loaded, source };
  },
});

/** Imports `path` (relative to this package's src/) as copy `name` of the package, at `version`. */
export function importCopy<T>(path: string, name: string, version: string): Promise<T> {
  versions.set(name, version);
  const url = new URL(`../${path}`, import.meta.url);
  url.searchParams.set(COPY, name);
  return import(url.href) as Promise<T>;
}
