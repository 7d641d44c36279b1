/**
 * The request headers `breakwater gate` sends with its incident alert, for an Alertmanager behind
 * an authenticating proxy: from a repeatable flag in curl's `-H "Name: value"` form, and from an
 * environment variable in the `OTEL_EXPORTER_OTLP_HEADERS` form (`name=value,…`, percent-encoded),
 * which keeps a secret out of the process listing. Each header passes the configuration's own
 * check ({@link headerProblem}), so the CLI refuses what `alertmanager.headers` would refuse. No
 * message quotes a header's value: it is often a secret.
 */
import { UsageError } from '../cli/usage-error.ts';
import { headerProblem } from '../config/http-url.ts';

type Header = readonly [name: string, value: string];

/** Where the headers come from, with the names the user wrote, for the messages. */
export interface HeaderSources {
  /** The flag's name with its dashes, e.g. `--alertmanager-header`. */
  flag: string;
  /** The flag's values, in the order given. */
  flagValues: readonly string[];
  /** The environment variable's name. */
  variable: string;
  /** The environment variable's text; undefined when it is unset. */
  variableText: string | undefined;
}

/**
 * The headers to send: the variable's, then the flags', each replacing an earlier one of the same
 * name in any case, so a flag overrides the variable. An empty value sends no such header (curl's
 * `-H "Name:"`; also what an unset CI secret gives, which then shows as Alertmanager's refusal
 * rather than as a failed gate). Throws {@link UsageError} naming the flag or the variable for an
 * entry that is malformed or that fetch would refuse.
 */
export function requestHeadersFrom(sources: HeaderSources): Record<string, string> {
  const merged = new Map<string, Header>();
  const all = [
    ...variableHeaders(sources.variable, sources.variableText),
    ...flagHeaders(sources.flag, sources.flagValues),
  ];
  for (const [name, value] of all) {
    // HTTP header names are case-insensitive: two spellings would both be sent, joined by ", ".
    const key = name.toLowerCase();
    if (value === '') merged.delete(key);
    else merged.set(key, [name, value]);
  }
  return Object.fromEntries(merged.values());
}

/** `Name: value` per flag; the value is taken as written (no decoding, as curl). */
function flagHeaders(flag: string, values: readonly string[]): Header[] {
  return values.map((entry, i) => {
    // Numbered only among several: the entry itself cannot be quoted (it may be all secret).
    const place = values.length > 1 ? `${flag} #${i + 1}` : flag;
    const colon = entry.indexOf(':');
    if (colon === -1) throw new UsageError(`${place} is not "Name: value" (it has no ":")`);
    const name = entry.slice(0, colon).trim();
    if (name === '') throw new UsageError(`${place} has no header name before its ":"`);
    return checked(flag, [name, entry.slice(colon + 1).trim()]);
  });
}

/**
 * `name=value` per comma-separated entry, both sides trimmed and then percent-decoded, as the
 * OpenTelemetry exporters read `OTEL_EXPORTER_OTLP_HEADERS`; empty entries (stray commas) are
 * skipped.
 */
function variableHeaders(variable: string, text: string | undefined): Header[] {
  const entries = text?.split(',') ?? [];
  const out: Header[] = [];
  for (const [i, entry] of entries.entries()) {
    if (entry.trim() === '') continue;
    const place = `${variable}: entry ${i + 1} of ${entries.length}`;
    // OpenTelemetry cuts an entry at a ";" (baggage metadata): refused rather than read otherwise.
    if (entry.includes(';')) throw new UsageError(`${place} has a ";" (write one inside a value as %3B)`);
    const equals = entry.indexOf('=');
    if (equals === -1) throw new UsageError(`${place} is not name=value (it has no "=")`);
    const name = percentDecoded(entry.slice(0, equals).trim(), place);
    if (name === '') throw new UsageError(`${place} has no header name before its "="`);
    out.push(checked(variable, [name, percentDecoded(entry.slice(equals + 1).trim(), place)]));
  }
  return out;
}

function percentDecoded(text: string, place: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UsageError(`${place} is not valid percent-encoding (a "%" must start %XX)`);
  }
}

/** The header, if fetch would send it as given; its name (never its value) in the message. */
function checked(source: string, header: Header): Header {
  const problem = headerProblem(...header);
  if (problem !== undefined) throw new UsageError(`${source} ${JSON.stringify(header[0])}: ${problem}`);
  return header;
}
