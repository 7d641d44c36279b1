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

/**
 * Releases the patching module definitions take: those of `major`, from `major.fromMinor.0` on
 * when given (a 0.x line whose older releases have other shapes).
 */
export interface SupportedLine {
  readonly major: number;
  readonly fromMinor?: number;
}

/** Every release of each of `majors`. */
export function majorLines(majors: readonly number[]): SupportedLine[] {
  return majors.map((major) => ({ major }));
}

/** `>=N <N+1` (or `>=N.M.0 <N+1`) for each line: the ranges of the module definitions that patch. */
export function lineRanges(lines: readonly SupportedLine[]): string[] {
  return lines.map(({ major, fromMinor }) =>
    fromMinor === undefined ? `>=${major} <${major + 1}` : `>=${major}.${fromMinor}.0 <${major + 1}`,
  );
}

/** `>=N <N+1` for each supported major. */
export function majorRanges(majors: readonly number[]): string[] {
  return lineRanges(majorLines(majors));
}

/** Whether the patching module definitions take `version`: a release of a supported line. */
function isSupported(version: string, lines: readonly SupportedLine[]): boolean {
  const release = /^(\d+)\.(\d+)\.\d+$/.exec(version);
  if (release === null) return false;
  const major = Number(release[1]);
  const minor = Number(release[2]);
  return lines.some((line) => line.major === major && minor >= (line.fromMinor ?? 0));
}

/** How the warning names the lines: `6.x, 7.x`, `0.71 to 0.x, 1.x`. */
function describeLines(lines: readonly SupportedLine[]): string {
  return lines
    .map(({ major, fromMinor }) =>
      fromMinor === undefined ? `${major}.x` : `${major}.${fromMinor} to ${major}.x`,
    )
    .join(', ');
}

const warned = new Set<string>();

/**
 * Matches `moduleName` at any version (pre-releases too) and warns when the loaded version is
 * not one the patching definitions take: through `process.emitWarning` (printed on stderr unless
 * the app handles warnings) and `diag`. A module whose version could not be read (Deno without
 * `--allow-read` cannot read its package.json) is not patched either, and is told the same way.
 * `onLoad` hears of every version loaded, so a client this warns about is not also taken for one
 * the hooks never saw (unseen-client.ts).
 */
export function unsupportedVersionWarning(
  moduleName: string,
  clientName: string,
  lines: readonly SupportedLine[],
  diagWarn: (message: string) => void,
  onLoad: () => void = () => {},
): InstrumentationModuleDefinition {
  const definition: InstrumentationModuleDefinition = new InstrumentationNodeModuleDefinition(
    moduleName,
    ['*'],
    (exports, version) => {
      onLoad();
      if (version !== undefined && isSupported(version, lines)) return exports;
      const key = `${moduleName}@${version ?? ''}`;
      if (warned.has(key)) return exports;
      warned.add(key);
      const supported = describeLines(lines);
      const message =
        version === undefined
          ? `${clientName} (loaded as "${moduleName}") is not instrumented by Breakwater: its version ` +
            `could not be read from its package.json, and only ${clientName} ${supported} releases are ` +
            "patched. Its calls run without Breakwater's spans, retries, timeouts or breakers; let the " +
            'process read the package.json (on Deno: --allow-read).'
          : `${clientName} ${version} (loaded as "${moduleName}") is not instrumented by Breakwater: it supports ` +
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
