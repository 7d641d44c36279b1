import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { TokenAuth } from './auth.ts';

const TOKEN = 'ingest-token-0123456789';
const auth = new TokenAuth([{ token: TOKEN, scopes: ['ingest'] }]);
const check = (authorization: string | undefined) =>
  auth.check({ headers: authorization === undefined ? {} : { authorization } } as IncomingMessage, 'ingest');

describe('TokenAuth', () => {
  it('accepts the token with any case of "Bearer" and spaces around it', () => {
    for (const header of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `Bearer \t${TOKEN} `])
      assert.equal(check(header).ok, true, header);
  });

  it('tells a missing header from one that is not "Bearer <token>", without echoing it', () => {
    const message = (header: string | undefined) => {
      const result = check(header);
      assert.ok(!result.ok);
      assert.equal(result.status, 401);
      return result.message;
    };
    assert.equal(message(undefined), 'missing bearer token');
    assert.equal(message(' '), 'missing bearer token');
    for (const header of [`Basic ${TOKEN}`, TOKEN, `Bearer ${TOKEN} extra`, 'Bearer'])
      assert.equal(
        message(header),
        'the Authorization header is not "Bearer <token>" (one token, no spaces in it)',
        header,
      );
    assert.equal(message('Bearer not-the-token-123456'), 'invalid bearer token');
  });
});
