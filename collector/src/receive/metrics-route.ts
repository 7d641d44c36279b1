import { COLLECTOR_PATHS } from '@breakwater/protocol';
import type { Route } from '../component.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../exposition/prometheus-text.ts';
import { send } from './http-reply.ts';

/**
 * `GET /metrics`: the Prometheus text exposition of every writer (the service's own ingest
 * counters and each component's `writeMetrics`), concatenated. Requires the `admin` scope when
 * auth is on: the series name services, dependencies and error budgets.
 */
export function metricsRoute(writers: readonly ((out: string[]) => void)[]): Route {
  return {
    method: 'GET',
    path: COLLECTOR_PATHS.PROMETHEUS,
    scope: 'admin',
    handle: (_req, res) => {
      const out: string[] = [];
      for (const write of writers) write(out);
      out.push('');
      send(res, 200, PROMETHEUS_CONTENT_TYPE, out.join('\n'));
    },
  };
}
