/**
 * Real-process building blocks for the fleet end-to-end test and the outage benchmark: the
 * fault provider (its CLI), the collector (`breakwater serve`), and agent-service replicas
 * driven through their `--inspect-port` API, plus a small reader for the collector's SSE stream.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FaultProviderClient, type ScriptsInput } from '@breakwater/fault-provider';
import { freePort } from '../harness/ports.ts';
import { REPO_ROOT, type RunningProcess, startNode } from '../harness/process.ts';
import { getJson } from '../harness/wait.ts';

export const FAULT_PROVIDER_CLI = 'examples/fault-provider/src/cli.ts';
export const COLLECTOR_CLI = 'collector/src/cli/main.ts';
export const AGENT_MAIN = 'examples/agent-service/src/main.ts';
export { REPO_ROOT };

// ── fault provider ──────────────────────────────────────────────────────────────────────────

/** The fault provider's CLI in its own process, driven over its control API. */
export class Provider {
  readonly url: string;
  readonly proc: RunningProcess;
  /** Scripts, counts and resets (`@breakwater/fault-provider`'s client for the control API). */
  readonly control: FaultProviderClient;
  constructor(url: string, proc: RunningProcess) {
    this.url = url;
    this.proc = proc;
    this.control = new FaultProviderClient(url);
  }

  static async start(): Promise<Provider> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = await startNode([FAULT_PROVIDER_CLI, '--port', String(port)], {
      readyUrl: `${url}/_health`,
      name: 'fault-provider',
    });
    return new Provider(url, proc);
  }

  async script(scripts: ScriptsInput): Promise<void> {
    await this.control.script(scripts);
  }

  async clearFaults(): Promise<void> {
    await this.control.clearFaults();
  }

  resetStats(): Promise<void> {
    return this.control.resetStats();
  }

  /** Requests that reached the provider for a model (chat route), optionally by outcome. */
  count(model: string, outcome?: string): Promise<number> {
    return this.control.count({ route: 'openai.chat', model, ...(outcome ? { outcome } : {}) });
  }
}

// ── collector ───────────────────────────────────────────────────────────────────────────────

export class Collector {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  proc: RunningProcess;
  private readonly config: string;
  constructor(port: number, dir: string, config: string, proc: RunningProcess) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.dir = dir;
    this.config = config;
    this.proc = proc;
  }

  /** Writes `yaml` to `<dir>/collector.yaml` and runs `breakwater serve` on `port` (default: free). */
  static async start(dir: string, yaml: string, port?: number, name = 'collector'): Promise<Collector> {
    mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'collector.yaml');
    writeFileSync(config, yaml);
    const p = port ?? (await freePort());
    const proc = await Collector.spawn(p, dir, config, name);
    return new Collector(p, dir, config, proc);
  }

  private static spawn(port: number, dir: string, config: string, name: string): Promise<RunningProcess> {
    return startNode(
      [
        COLLECTOR_CLI,
        'serve',
        '--listen',
        `127.0.0.1:${port}`,
        '--data-dir',
        path.join(dir, 'data'),
        '--config',
        config,
      ],
      { readyUrl: `http://127.0.0.1:${port}/readyz`, name },
    );
  }

  /** Starts the collector again on the same port, data directory and configuration. */
  async restart(): Promise<void> {
    this.proc = await Collector.spawn(this.port, this.dir, this.config, 'collector (restarted)');
  }

  active(headers: Record<string, string> = {}): Promise<ActiveSignals> {
    return getJson<ActiveSignals>(`${this.url}/v1/signals/active`, headers);
  }

  async metrics(headers: Record<string, string> = {}): Promise<string> {
    const res = await fetch(`${this.url}/metrics`, { headers });
    return res.text();
  }
}

export interface Signal {
  id: string;
  dependency: string;
  service?: string;
  state: 'open' | 'half_open' | 'closed';
  allow?: number;
  ttlMs: number;
  issuedAt: number;
  reason: { errorRatio: number; window: string; volume: number; instances: number };
}
export interface ActiveSignals {
  now: number;
  signals: Signal[];
}

/** Reads a collector's `GET /v1/signals` stream in this process and records every signal. */
export class SignalRecorder {
  readonly events: Array<{ at: number; signal: Signal }> = [];
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(url: string) {
    this.done = this.read(url).catch(() => {});
  }

  private async read(url: string): Promise<void> {
    const res = await fetch(`${url}/v1/signals`, {
      headers: { accept: 'text/event-stream' },
      signal: this.abort.signal,
    });
    if (res.body === null) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end === -1) break;
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let type = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) type = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (type === 'signal') this.events.push({ at: Date.now(), signal: JSON.parse(data) as Signal });
      }
    }
  }

  forDependency(dependency: string): Signal[] {
    return this.events.filter((e) => e.signal.dependency === dependency).map((e) => e.signal);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

// ── agent replicas ──────────────────────────────────────────────────────────────────────────

export interface BreakerView {
  state: string;
  source: string;
  override?: { state: string; allow?: number; expiresInMs: number };
}
export interface ReplicaState {
  service: string;
  instance: string;
  breakers: Record<string, BreakerView>;
  transitions: Array<[number, string, string, string]>;
}
export interface CallsResult {
  outcomes: string[];
  counts: Record<string, number>;
  durationMs: number;
  maxCallMs: number;
}

export interface ReplicaOptions {
  readonly name: string;
  readonly providerUrl: string;
  readonly collectorUrl: string;
  readonly serviceName: string;
  readonly fallback?: boolean;
  readonly apiKey?: string;
  readonly policy?: unknown;
  /** Serve the SDK's metrics for scraping (control-client gauges and counters). */
  readonly prometheus?: boolean;
  readonly env?: Record<string, string | undefined>;
  readonly timeoutMs?: number;
}

/** One agent-service process with its inspection API. */
export class Replica {
  readonly name: string;
  readonly url: string;
  readonly metricsUrl: string | undefined;
  readonly proc: RunningProcess;
  constructor(name: string, url: string, metricsUrl: string | undefined, proc: RunningProcess) {
    this.name = name;
    this.url = url;
    this.metricsUrl = metricsUrl;
    this.proc = proc;
  }

  static async start(o: ReplicaOptions): Promise<Replica> {
    const port = await freePort();
    const metricsPort = o.prometheus ? await freePort() : undefined;
    const args = [
      AGENT_MAIN,
      '--provider-url',
      o.providerUrl,
      '--collector-url',
      o.collectorUrl,
      '--service-name',
      o.serviceName,
      '--instance-id',
      o.name,
      '--requests',
      '0',
      '--inspect-port',
      String(port),
    ];
    if (o.fallback) args.push('--fallback');
    if (o.apiKey !== undefined) args.push('--api-key', o.apiKey);
    if (o.policy !== undefined) args.push('--policy', JSON.stringify(o.policy));
    const proc = await startNode(args, {
      readyLine: /inspect listening on/,
      name: `replica ${o.name}`,
      timeoutMs: o.timeoutMs ?? 30_000,
      env: {
        ...(metricsPort !== undefined ? { BREAKWATER_PROMETHEUS_PORT: String(metricsPort) } : {}),
        ...o.env,
      },
    });
    return new Replica(
      o.name,
      `http://127.0.0.1:${port}`,
      metricsPort === undefined ? undefined : `http://127.0.0.1:${metricsPort}/metrics`,
      proc,
    );
  }

  state(): Promise<ReplicaState> {
    return getJson<ReplicaState>(`${this.url}/state`);
  }

  async breaker(dependency: string): Promise<BreakerView | undefined> {
    return (await this.state()).breakers[dependency];
  }

  async calls(model: string, count: number, concurrency = 1): Promise<CallsResult> {
    return this.post<CallsResult>('/calls', { model, count, concurrency });
  }

  startLoad(model: string, rate: number, durationMs: number): Promise<unknown> {
    return this.post('/load', { model, rate, durationMs });
  }

  async load(
    model: string,
  ): Promise<{ running: boolean; inFlight: number; events: Array<[number, string]> }> {
    return getJson(`${this.url}/load?model=${encodeURIComponent(model)}`);
  }

  async stopLoads(): Promise<void> {
    await (await fetch(`${this.url}/load`, { method: 'DELETE' })).arrayBuffer();
  }

  /** One sample of the SDK's Prometheus endpoint, e.g. `breakwater_control_connected`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    if (this.metricsUrl === undefined) throw new Error(`${this.name} has no metrics endpoint`);
    return sample(await (await fetch(this.metricsUrl)).text(), name, labels);
  }

  private async post<T>(route: string, body: unknown): Promise<T> {
    const res = await fetch(this.url + route, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${this.name} ${route} → ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}

/** The value of the first series `name{…labels…}` in a Prometheus text exposition. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const close = rest.indexOf('}');
    const labelText = rest[0] === '{' ? rest.slice(1, close) : '';
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    return Number(
      rest
        .slice(rest[0] === '{' ? close + 1 : 0)
        .trim()
        .split(' ')[0],
    );
  }
  return undefined;
}
