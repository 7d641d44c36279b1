/** Reads one header from a `Headers` instance, a plain record, or a Node `IncomingHttpHeaders`. */
export function readHeader(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    const value = (get as (n: string) => unknown).call(headers, name);
    return typeof value === 'string' ? value : undefined;
  }
  const record = headers as Record<string, unknown>;
  const value = record[name] ?? record[name.toLowerCase()];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * The delay a response asks for, in ms: `retry-after-ms` (OpenAI/Anthropic), then `retry-after`
 * as seconds or as an HTTP date relative to `now`. Unparseable or negative values give
 * `undefined`.
 */
export function retryAfterFromHeaders(headers: unknown, now: number): number | undefined {
  const ms = readHeader(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const value = Number(ms.trim());
    if (ms.trim() !== '' && Number.isFinite(value) && value >= 0) return value;
  }
  const after = readHeader(headers, 'retry-after');
  if (after === undefined) return undefined;
  const text = after.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  const delta = date - now;
  return delta >= 0 ? delta : undefined;
}

/** `x-should-retry: true|false`, the server's explicit retry verdict, if present. */
export function shouldRetryHeader(headers: unknown): boolean | undefined {
  const value = readHeader(headers, 'x-should-retry');
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

const AWS_TYPE_RE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * The AWS error type of a response, from `x-amzn-errortype` (Bedrock's
 * `ModelErrorException:http://internal.amazon.com/coral/com.amazon.bedrock/`): the name before
 * any `:`, after any `#` namespace, with its first letter lower-cased, which is the form a
 * Bedrock response stream names the same exception in (`modelErrorException`). `undefined`
 * without the header or for a value that is not a plain name.
 */
export function awsErrorType(headers: unknown): string | undefined {
  const value = readHeader(headers, 'x-amzn-errortype');
  if (value === undefined) return undefined;
  const name = value.split(':', 1)[0]!.split('#').pop()!.trim();
  if (!AWS_TYPE_RE.test(name)) return undefined;
  return name[0]!.toLowerCase() + name.slice(1);
}
