/**
 * A client version outside the supported ranges is not instrumented: the OpenTelemetry base
 * skips it without a word (its `diag` logger is silent by default), so the app would run without
 * spans, retries or breakers and nobody would know. This module definition matches every version
 * and says so, once per package version.
 */
import {
  type InstrumentationModuleDefinition,
  InstrumentationNodeModuleDefinition,
} from '@opentelemetry/instrumentation';

/** `process.emitWarning` code of the warning, for apps that filter or test for it. */
export const UNSUPPORTED_CLIENT_WARNING = 'BREAKWATER_UNSUPPORTED_CLIENT';

/** `>=N <N+1` for each supported major: the ranges of the module definitions that patch. */
export function majorRanges(majors: readonly number[]): string[] {
  return majors.map((major) => `>=${major} <${major + 1}`);
}

/** Whether the patching module definitions take `version`: a release of a supported major. */
function isSupported(version: string, majors: readonly number[]): boolean {
  const release = /^(\d+)\.\d+\.\d+$/.exec(version);
  return release !== null && majors.includes(Number(release[1]));
}

const warned = new Set<string>();

/**
 * Matches `moduleName` at any version (pre-releases too) and warns when the loaded version is
 * not one the patching definitions take: through `process.emitWarning` (printed on stderr unless
 * the app handles warnings) and `diag`. A module without a readable version is left alone.
 */
export function unsupportedVersionWarning(
  moduleName: string,
  clientName: string,
  majors: readonly number[],
  diagWarn: (message: string) => void,
): InstrumentationModuleDefinition {
  const definition: InstrumentationModuleDefinition = new InstrumentationNodeModuleDefinition(
    moduleName,
    ['*'],
    (exports, version) => {
      if (version === undefined || isSupported(version, majors)) return exports;
      const key = `${moduleName}@${version}`;
      if (warned.has(key)) return exports;
      warned.add(key);
      const supported = majors.map((m) => `${m}.x`).join(', ');
      const message =
        `${clientName} ${version} (loaded as "${moduleName}") is not instrumented by Breakwater: it supports ` +
        `${clientName} ${supported} releases. Its calls run without Breakwater's spans, retries, ` +
        'timeouts or breakers; install a supported version.';
      diagWarn(message);
      process.emitWarning(message, { code: UNSUPPORTED_CLIENT_WARNING });
      return exports;
    },
  );
  definition.includePrerelease = true;
  return definition;
}
