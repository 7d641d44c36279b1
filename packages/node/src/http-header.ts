/**
 * Whether Node will send a header. The OTLP exporters pass headers to `http.request` as given, and
 * Node refuses the whole request for one bad header (`ERR_INVALID_HTTP_TOKEN`, `ERR_INVALID_CHAR`):
 * every span and metric export then fails.
 */

/** An HTTP token (RFC 9110): what Node takes as a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What Node refuses in a header value (its `checkInvalidHeaderChar`). */
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** What makes Node refuse the header, naming it by `name` (never showing `value`); undefined when fine. */
export function httpHeaderProblem(name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) {
    return `${JSON.stringify(name)} is not a header name HTTP allows (letters, digits and !#$%&'*+-.^_\`|~ only)`;
  }
  if (BAD_VALUE_CHAR.test(value)) {
    return `${JSON.stringify(name)} has a character a header value cannot carry (a control character, or one past U+00FF)`;
  }
  return undefined;
}
