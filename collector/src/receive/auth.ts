import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TokenScope } from '@breakwater/protocol';
import type { TokenIdentity } from '../component.ts';
import type { TokenConfig } from '../config/server-section.ts';

/** Outcome of checking a request against a route's scope (`token`: none with auth off or a public route). */
export type AuthResult =
  | { ok: true; token: TokenIdentity | undefined }
  | { ok: false; status: 401 | 403; challenge: string; message: string };

interface StoredToken {
  digest: Buffer;
  scopes: ReadonlySet<TokenScope>;
  identity: TokenIdentity;
}

const REALM = 'breakwater';

/**
 * Bearer-token checks with scopes. Tokens are kept only as SHA-256 digests, and a presented
 * token is hashed and compared with `timingSafeEqual` against every configured digest (no early
 * exit), so neither the comparison nor the search leaks how much of a token matched.
 * With no tokens configured every request is allowed (the service refuses to start that way on
 * a non-loopback listener).
 */
export class TokenAuth {
  private readonly tokens: readonly StoredToken[];

  constructor(tokens: readonly TokenConfig[]) {
    this.tokens = tokens.map((t, i) => ({
      digest: digest(t.token),
      scopes: new Set(t.scopes),
      identity: { id: i, name: t.name ?? `token#${i + 1}` },
    }));
  }

  get enabled(): boolean {
    return this.tokens.length > 0;
  }

  /** Checks `Authorization: Bearer <token>` for `scope` (`admin` grants every scope). */
  check(req: IncomingMessage, scope: TokenScope | 'public'): AuthResult {
    return this.checkToken(bearerToken(req.headers.authorization), scope);
  }

  /**
   * Checks a token for `scope`, as read by {@link bearerToken} (undefined: none; null: a header of
   * another form) or taken from elsewhere (the gate webhook's metadata).
   */
  checkToken(token: string | null | undefined, scope: TokenScope | 'public'): AuthResult {
    if (scope === 'public' || !this.enabled) return { ok: true, token: undefined };
    if (typeof token !== 'string') {
      return {
        ok: false,
        status: 401,
        challenge: `Bearer realm="${REALM}"`,
        message: token === undefined ? 'missing bearer token' : MALFORMED_AUTHORIZATION,
      };
    }
    const presented = digest(token);
    let found: StoredToken | undefined;
    for (const token of this.tokens) {
      if (timingSafeEqual(presented, token.digest) && found === undefined) found = token;
    }
    if (found === undefined) {
      return {
        ok: false,
        status: 401,
        challenge: `Bearer realm="${REALM}", error="invalid_token"`,
        message: 'invalid bearer token',
      };
    }
    if (!found.scopes.has(scope) && !found.scopes.has('admin')) {
      return {
        ok: false,
        status: 403,
        challenge: `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`,
        message: `token lacks the "${scope}" scope`,
      };
    }
    return { ok: true, token: found.identity };
  }
}

/**
 * What to say of an `Authorization` header of another form (Basic, a bare token, a token with a
 * space): it is not "missing". Never echo the header, as it may well be a secret.
 */
export const MALFORMED_AUTHORIZATION =
  'the Authorization header is not "Bearer <token>" (one token, no spaces in it)';

/**
 * The token of an `Authorization: Bearer <token>` header; undefined without a header (or an empty
 * one), null for a header of another form ({@link MALFORMED_AUTHORIZATION}).
 */
export function bearerToken(header: string | undefined): string | null | undefined {
  const value = header?.trim() ?? '';
  if (value === '') return undefined;
  return /^Bearer[ \t]+([^\s]+)$/i.exec(value)?.[1] ?? null;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
