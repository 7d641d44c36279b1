/**
 * Runs the process-model apps of this folder against a real collector and fault provider, the way
 * a deployment does: `NODE_OPTIONS="--import @breakwater/node/register"`, inherited by every
 * process and thread the app starts, and one `service.instance.id` for the pod in
 * `OTEL_RESOURCE_ATTRIBUTES`. Reads back what the app says (its JSON lines) and what the collector
 * recorded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { Collector, Provider } from '../fleet/cluster.ts';
import { REPO_ROOT, type RunningProcess, startProcess, stopAll } from '../harness/process.ts';
import { getJson, waitFor } from '../harness/wait.ts';

/** The real collector (in-memory store) and fault provider the apps of a describe block report to. */
export interface Stack {
  readonly collector: Collector;
  readonly provider: Provider;
}

/**
 * Starts a collector and a fault provider before the enclosing describe block's tests and stops
 * them, and every process the tests started, after; the returned object holds them once started.
 */
export function useStack(): Stack {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-process-models-'));
  const stack = {} as { collector: Collector; provider: Provider };
  before(async () => {
    [stack.provider, stack.collector] = await Promise.all([
      Provider.start(),
      Collector.start(dir, 'logLevel: warn\nstore: { kind: memory }\n'),
    ]);
  });
  after(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });
  return stack;
}

/** One JSON line an app prints: who a process or thread is and what it exports as. */
export interface Said {
  role: string;
  pid: number;
  threadId?: number;
  instance: string;
}

export interface AppRun {
  readonly proc: RunningProcess;
  /** Waits until the app has printed `count` lines of `role`; returns them. */
  said(role: string, count: number): Promise<Said[]>;
}

/** Starts `<app>.mjs` of this folder under the register hook, exporting to `collectorUrl`. */
export async function runApp(
  app: string,
  options: {
    service: string;
    pod: string;
    collectorUrl: string;
    providerUrl: string;
    env?: Record<string, string>;
  },
): Promise<AppRun> {
  const proc = await startProcess(
    process.execPath,
    [path.join(REPO_ROOT, 'test/process-models', `${app}.mjs`)],
    {
      env: {
        NODE_OPTIONS: '--conditions=@breakwater/source --import @breakwater/node/register',
        OTEL_SERVICE_NAME: options.service,
        OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${options.pod}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: options.collectorUrl,
        PROVIDER_URL: options.providerUrl,
        ...options.env,
      },
      readyLine: /^\{"role"/m,
      timeoutMs: 30_000,
      name: app,
    },
  );
  const lines = (role: string): Said[] =>
    proc
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{"role"'))
      .map((l) => JSON.parse(l) as Said)
      .filter((s) => s.role === role);
  return {
    proc,
    said: (role, count) =>
      waitFor(
        `${count} ${role} line(s) from ${app}\n${proc.output()}`,
        () => lines(role).length >= count && lines(role),
        {
          timeoutMs: 30_000,
        },
      ),
  };
}

/** The instance ids the collector holds a breaker state of for `service` (`breakwater_sdk_breaker_state`). */
export async function breakerStateInstances(collectorUrl: string, service: string): Promise<string[]> {
  const text = await (await fetch(`${collectorUrl}/metrics`)).text();
  const ids = new Set<string>();
  for (const m of text.matchAll(
    /^breakwater_sdk_breaker_state\{service="([^"]*)",service_instance_id="([^"]*)"/gm,
  )) {
    if (m[1] === service) ids.add(m[2]!);
  }
  return [...ids].sort();
}

interface SloGroup {
  service: string;
  version?: string;
  windows: { window: string; total: number }[];
}

/** Operations of `service` the collector's availability SLO has counted in its last hour. */
export async function operationsCounted(collectorUrl: string, service: string): Promise<number> {
  const slo = await getJson<{ groups: SloGroup[] }>(`${collectorUrl}/v1/slos/availability`);
  let total = 0;
  for (const g of slo.groups) {
    // Each service is also grouped per version (for the deployment gate): count it once.
    if (g.service !== service || g.version !== undefined) continue;
    total += g.windows.find((w) => w.window === '1h')?.total ?? 0;
  }
  return total;
}
