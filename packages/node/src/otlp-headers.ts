/**
 * The OTLP header variables, which the exporters read themselves. OpenTelemetry drops an entry it
 * cannot parse without a word, and cuts a value at its first `;`, so a misspelt `Authorization`
 * entry shows up only as every export refused (HTTP 401). Each such entry is logged here, by its
 * name or its place, never its value: header values are often credentials.
 */
import { envText } from './env-text.ts';
import { httpHeaderProblem } from './http-header.ts';

const VARIABLES = [
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
  'OTEL_EXPORTER_OTLP_LOGS_HEADERS',
] as const;

/** Logs each entry of the OTLP header variables the exporters will leave out, or cannot send. */
export function noteBadHeaders(env: NodeJS.ProcessEnv, logger: (message: string) => void): void {
  for (const name of VARIABLES) {
    const entries = envText(env, name)?.split(',') ?? [];
    entries.forEach((entry, i) => {
      const place = `entry ${i + 1} of ${entries.length}`;
      const read = readEntry(entry, place);
      if (typeof read === 'string') {
        logger(`${name}: ${read}; left out, the other headers are sent`);
        return;
      }
      if (read === undefined) return;
      // Parsed, it is kept: one Node will not send fails every request.
      const unsent = httpHeaderProblem(read.key, read.value);
      if (unsent !== undefined)
        logger(`${name}: ${unsent}, once percent-decoded; every export fails until it is fixed`);
      else if (entry.includes(';')) logger(`${name}: ${cutValue(entry, place)}`);
    });
  }
}

/**
 * The header `entry` makes, percent-decoded, as OpenTelemetry's `parseKeyPairsIntoRecord` reads
 * it; or what makes the exporters drop it, naming the entry by its header name, or by `place`
 * where it has none (an entry without `=` may be a bare token). Undefined for a stray comma.
 */
function readEntry(entry: string, place: string): { key: string; value: string } | string | undefined {
  if (entry.trim() === '') return undefined; // a stray comma: nothing was meant
  // The value ends at a `;` (what follows is baggage metadata), so only the part before counts.
  const pair = entry.split(';', 1)[0]!;
  const equals = pair.indexOf('=');
  if (equals === -1) return `${place} is not name=value (it has no "=")`;
  const key = pair.slice(0, equals).trim();
  const value = pair.slice(equals + 1).trim();
  if (key === '') return `${place} has no name before its "="`;
  if (value === '') return `${JSON.stringify(key)} has no value`;
  try {
    return { key: decodeURIComponent(key), value: decodeURIComponent(value) };
  } catch {
    return `${JSON.stringify(key)} is not valid percent-encoding (a "%" must start %XX)`;
  }
}

/**
 * An entry the exporters send only up to its `;` (they read what follows as baggage metadata),
 * named as {@link readEntry} names it.
 */
function cutValue(entry: string, place: string): string {
  const key = entry.slice(0, entry.indexOf('=')).trim();
  return `${key === '' ? place : JSON.stringify(key)} is sent cut at its first ";" (OpenTelemetry reads the rest as metadata); write a ";" in a value as %3B`;
}
