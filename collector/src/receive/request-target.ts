/**
 * Parses an HTTP request target (`req.url`) into a URL, or undefined when it is not one we serve.
 *
 * Only a canonical path is accepted: `//host/metrics` (which the URL parser reads as a host) and
 * dot segments, raw or percent-encoded (`/v1/%2e%2e/metrics`), would otherwise reach another
 * route than the path says, past any path rule of a proxy in front of the collector.
 */
export function parseRequestTarget(target: string): URL | undefined {
  let path: string;
  if (target.startsWith('/') && !target.startsWith('//')) path = target;
  else {
    // The absolute form (`GET http://collector:4318/v1/traces`), as proxies may send it.
    const absolute = /^https?:\/\/[^/?#]*(.*)$/i.exec(target);
    if (absolute === null) return undefined;
    path = absolute[1] === '' || absolute[1]!.startsWith('?') ? `/${absolute[1]}` : absolute[1]!;
  }
  let url: URL;
  try {
    url = new URL(path, 'http://collector');
  } catch {
    return undefined;
  }
  const end = path.search(/[?#]/);
  return url.pathname === (end === -1 ? path : path.slice(0, end)) ? url : undefined;
}
