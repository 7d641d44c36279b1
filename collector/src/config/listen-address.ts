import { isIP } from 'node:net';

/** A listener address: host (IPv4, IPv6 without brackets, or a name) and port. */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parses `host:port`, `[v6]:port` or `:port` (loopback). Returns an error message instead of
 * throwing, for schema refinements and CLI usage errors alike.
 */
export function parseListenAddress(text: string): ListenAddress | string {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (match === null) return `expected host:port (e.g. 127.0.0.1:4318 or [::1]:4318), got "${text}"`;
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (port > 65535) return `port ${port} is out of range (0-65535)`;
  if (match[1] !== undefined && isIP(host) !== 6) return `"${host}" is not an IPv6 address`;
  return { host: host === '' ? '127.0.0.1' : host, port };
}

/**
 * True when only this machine can reach the host: `localhost`, 127.0.0.0/8 or `::1`. Anything
 * else (including 0.0.0.0 and ::) is reachable from the network, and so requires auth tokens.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/** `host:port` with IPv6 hosts bracketed, for URLs and logs. */
export function formatListenAddress(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
