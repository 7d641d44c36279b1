import { COLLECTOR_PATHS } from '@breakwater/protocol';
import type { Route } from '../../component.ts';
import { PAGE_CSP, PAGE_HTML } from './page.ts';
import { STATUS_DELTAS_PARAM, type StatusStream } from './status-stream.ts';
import type { StatusSnapshot } from './types.ts';

const PAGE_BODY = Buffer.from(PAGE_HTML, 'utf8');

/** Headers of every status response: never cached, never sniffed, never framed. */
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/**
 * `GET /` (the page shell, public: it holds no data), `GET /v1/status` (JSON snapshot, admin)
 * and `GET /v1/status/events` (SSE: a snapshot, then a snapshot or, asked for, a delta at each
 * change; admin).
 */
export function statusRoutes(build: () => Promise<StatusSnapshot>, stream: StatusStream): Route[] {
  return [
    {
      method: 'GET',
      path: COLLECTOR_PATHS.STATUS_PAGE,
      scope: 'public',
      handle(_req, res) {
        res.writeHead(200, {
          ...COMMON_HEADERS,
          'content-type': 'text/html; charset=utf-8',
          'content-length': PAGE_BODY.length,
          'content-security-policy': PAGE_CSP,
          'x-frame-options': 'DENY',
        });
        res.end(PAGE_BODY);
      },
    },
    {
      method: 'GET',
      path: COLLECTOR_PATHS.STATUS,
      scope: 'admin',
      async handle(_req, res) {
        const body = Buffer.from(JSON.stringify(await build()), 'utf8');
        res.writeHead(200, {
          ...COMMON_HEADERS,
          'content-type': 'application/json',
          'content-length': body.length,
        });
        res.end(body);
      },
    },
    {
      method: 'GET',
      path: COLLECTOR_PATHS.STATUS_EVENTS,
      scope: 'admin',
      handle(req, res, url) {
        stream.subscribe(req, res, url.searchParams.get(STATUS_DELTAS_PARAM) === '1');
      },
    },
  ];
}
