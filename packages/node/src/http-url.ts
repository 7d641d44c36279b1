/**
 * Whether a configured URL is one the exporters and the control client can use. `localhost:47040`
 * parses as a URL whose scheme is `localhost:`; used as such it fails every export with `Protocol
 * "localhost:" not supported` and turns the control URL into `null47040`.
 */

/** What is wrong with `value` as an http(s) URL, with the likely intended one; undefined when fine. */
export function httpUrlProblem(value: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '') {
    return undefined;
  }
  // Without a scheme, the host and port were meant; with another one (grpc://), it is not ours to guess.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value)
    ? 'must be an http:// or https:// URL'
    : `must be an http:// or https:// URL, such as http://${value}`;
}
