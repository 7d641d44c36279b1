import { COLLECTOR_PATHS } from '@breakwater/protocol';
import type { Route } from '../../component.ts';
import type { SignalHub } from './signal-hub.ts';

/**
 * `GET /v1/signals` (SSE) and `GET /v1/signals/active` (JSON), both `?service=`-filtered and
 * both for subscribe-scope tokens; the host server checks the token before calling them and
 * names it in `caller`, so the stream can hold each token to its share of subscribers.
 *
 * Unlike the gate's, these routes ignore parameters they do not know: their callers are SDKs, and
 * a newer SDK's extra parameter must not cut it off from an older collector's breaker signals.
 */
export function signalRoutes(hub: SignalHub): Route[] {
  return [
    {
      method: 'GET',
      path: COLLECTOR_PATHS.SIGNALS,
      scope: 'subscribe',
      handle(req, res, url, _params, caller) {
        hub.subscribe(req, res, url, caller?.token);
      },
    },
    {
      method: 'GET',
      path: COLLECTOR_PATHS.SIGNALS_ACTIVE,
      scope: 'subscribe',
      handle(_req, res, url) {
        const service = url.searchParams.get('service') ?? undefined;
        const body = JSON.stringify(hub.snapshot(service === '' ? undefined : service));
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(body);
      },
    },
  ];
}
