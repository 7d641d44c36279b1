import { TOKEN_SCOPES } from '@breakwater/protocol';
import { formatListenAddress, isLoopbackHost, parseListenAddress } from './listen-address.ts';

/**
 * Why `listen` cannot be used with these tokens, or `undefined` when it can: a listener that is
 * reachable from the network (anything but loopback) must not run without auth. One function,
 * so `check-config`, `serve` and {@link CollectorService.start} say the same thing.
 */
export function listenAuthProblem(listen: string, tokens: readonly unknown[]): string | undefined {
  const address = parseListenAddress(listen);
  // A malformed address is reported by the `listen` field's own check.
  if (typeof address === 'string' || isLoopbackHost(address.host) || tokens.length > 0) return undefined;
  return (
    `refusing to listen on ${formatListenAddress(address)} without auth: the address is reachable from the network. ` +
    `Configure auth.tokens (with ${TOKEN_SCOPES.join('/')} scopes) or listen on 127.0.0.1.`
  );
}
