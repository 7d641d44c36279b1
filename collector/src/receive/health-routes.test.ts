import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { healthRoutes, type Phase } from './health-routes.ts';

describe('health routes', () => {
  it('readyz is 200 only when ready; healthz always 200', async () => {
    let phase: Phase = 'starting';
    const [healthz, readyz] = healthRoutes(() => phase);
    const server = createServer((req, res) => {
      const route = req.url === '/healthz' ? healthz! : readyz!;
      void route.handle(req, res, new URL(req.url!, 'http://x'), []);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const seen: [Phase, number, number][] = [];
      for (const p of ['starting', 'ready', 'draining'] as const) {
        phase = p;
        seen.push([p, (await fetch(`${base}/healthz`)).status, (await fetch(`${base}/readyz`)).status]);
      }
      assert.deepEqual(seen, [
        ['starting', 200, 503],
        ['ready', 200, 200],
        ['draining', 200, 503],
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
