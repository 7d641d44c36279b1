/** Instrumentation scope name used for every tracer and meter this package creates. */
export const PACKAGE_NAME = '@breakwater/instrumentation';
/** Kept in step with package.json by hand; only reported as the instrumentation scope version. */
export const PACKAGE_VERSION = '0.1.0';
