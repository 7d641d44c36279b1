/** How much of an answer is searched for a title: proxies' error pages put it first. */
const MAX_SCANNED_CHARS = 4096;
const MAX_TITLE_CHARS = 100;

/**
 * The title of an HTML page, when an answer's body is one, else `undefined` (`''` for a page
 * without a title). Neither the collector nor Alertmanager answers an API call with HTML; a
 * reverse proxy in front does, for its own errors (nginx's `502 Bad Gateway` while what it proxies
 * to is down, `404 Not Found` under a path it does not route, `413 Request Entity Too Large`), and
 * so does a web server's default page. Its markup, quoted in a log or a CI job's output, is lines
 * of `<center>` tags around what the title says in three words.
 */
export function htmlPageTitle(body: string): string | undefined {
  const head = body.slice(0, MAX_SCANNED_CHARS);
  if (!/^\s*<(?:!doctype\s+html|html|head|body|title)\b/i.test(head)) return undefined;
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(head)?.[1] ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(head)?.[1];
  return (title ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE_CHARS);
}

/** `an HTML page ("502 Bad Gateway")`, or `an HTML page` for one without a title. */
export function htmlPageText(title: string): string {
  return title === '' ? 'an HTML page' : `an HTML page ("${title}")`;
}
