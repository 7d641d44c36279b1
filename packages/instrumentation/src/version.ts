/** Instrumentation scope name used for every tracer and meter this package creates. */
export const PACKAGE_NAME = '@breakwater/instrumentation';
/**
 * Kept in step with package.json by hand (version.test.ts checks it): the instrumentation scope
 * version, and which other copies of this package in the process share its runtime (runtime.ts).
 */
export const PACKAGE_VERSION = '0.1.0';
