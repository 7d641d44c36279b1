import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALERTMANAGER } from './tools.ts';

/** A real Alertmanager started for a test on loopback. */
export interface AlertmanagerProcess {
  url: string;
  port: number;
  /** Active alerts as Alertmanager reports them (`GET /api/v2/alerts`). */
  alerts(): Promise<
    {
      labels: Record<string, string>;
      annotations: Record<string, string>;
      startsAt: string;
      endsAt: string;
      status: { state: string };
    }[]
  >;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (bind 0 on loopback, then release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const CONFIG = `route:
  receiver: blackhole
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: blackhole
`;

/**
 * Starts the Debian Alertmanager binary on `127.0.0.1:<port>` with a throwaway storage dir and a
 * minimal configuration (one receiver that notifies nobody), clustering off, and waits until it
 * is ready (bounded).
 */
export async function startAlertmanager(port?: number): Promise<AlertmanagerProcess> {
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'bw-alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, CONFIG);
  const child: ChildProcess = spawn(
    ALERTMANAGER,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${chosen}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const url = `http://127.0.0.1:${chosen}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`alertmanager exited early: ${stderr}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      await res.text();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`alertmanager not ready after 15 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port: chosen,
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status}`);
      return (await res.json()) as Awaited<ReturnType<AlertmanagerProcess['alerts']>>;
    },
    stop,
  };
}
