import { COLLECTOR_PATHS } from '@breakwater/protocol';
import type { Route } from '../component.ts';
import { send } from './http-reply.ts';

/** Lifecycle phase of the service, as `/readyz` reports it. */
export type Phase = 'starting' | 'ready' | 'draining' | 'stopped';

/**
 * `GET /healthz` answers 200 while the process can answer at all (liveness);
 * `GET /readyz` answers 200 only between "components started" and "shutdown began".
 */
export function healthRoutes(phase: () => Phase): Route[] {
  return [
    {
      method: 'GET',
      path: COLLECTOR_PATHS.HEALTHZ,
      scope: 'public',
      handle: (_req, res) => send(res, 200, 'application/json', JSON.stringify({ status: 'ok' })),
    },
    {
      method: 'GET',
      path: COLLECTOR_PATHS.READYZ,
      scope: 'public',
      handle: (_req, res) => {
        const current = phase();
        const ready = current === 'ready';
        send(
          res,
          ready ? 200 : 503,
          'application/json',
          JSON.stringify({ status: ready ? 'ready' : current }),
        );
      },
    },
  ];
}
