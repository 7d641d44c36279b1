import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeFailure, isNetworkError, StreamIdle } from './connect-failure.ts';
import { SubscriptionRefused } from './refusal.ts';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

it('names the reason an attempt failed, one kind per thing an operator would fix', () => {
  assert.match(describeFailure(coded('ENOTFOUND'), true).what, /host not found \(DNS\)/);
  // fetch wraps the socket error in its cause.
  const viaFetch = new TypeError('fetch failed', { cause: coded('ECONNREFUSED') });
  assert.deepEqual(describeFailure(viaFetch, true).kind, 'ECONNREFUSED');
  assert.match(describeFailure(new StreamIdle(45_000), true).what, /no answer within 45s/);

  const missing = describeFailure(new SubscriptionRefused(401, ''), false);
  assert.match(missing.what, /no token is set and the collector requires one/);
  assert.match(missing.what, /subscribe scope/);
  assert.equal(missing.misconfigured, true);
  assert.match(describeFailure(new SubscriptionRefused(401, ''), true).what, /the token is wrong/);
  assert.equal(describeFailure(new SubscriptionRefused(502, ''), true).kind, '5xx');
  assert.equal(describeFailure(new SubscriptionRefused(503, 'text/html'), true).kind, '5xx');
  assert.equal(describeFailure(new SubscriptionRefused(503, ''), true).misconfigured, false);
  assert.match(
    describeFailure(new SubscriptionRefused(502, 'application/json'), true).what,
    /^the collector answered 502/,
  );
  // nginx's own page while the collector behind it is down: the proxy answered, not the collector.
  assert.equal(
    describeFailure(new SubscriptionRefused(502, 'text/html'), true).what,
    'a proxy in front of the collector answered 502 with its own error page (a server error: the collector is down, or the proxy cannot reach it)',
  );
  assert.match(
    describeFailure(new SubscriptionRefused(200, 'text/html'), true).what,
    /BREAKWATER_COLLECTOR_URL/,
  );
  assert.match(describeFailure(coded('ERR_INVALID_CHAR'), true).what, /cannot be sent.*token/);
});

it('tells a dropped connection from a stream that carried something wrong', () => {
  assert.equal(isNetworkError(coded('ECONNRESET', 'aborted')), true);
  assert.equal(isNetworkError(new Error('line too long')), false);
});
