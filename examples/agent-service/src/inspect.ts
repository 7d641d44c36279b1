/**
 * A small HTTP surface (`--inspect-port`) for tests, benchmarks and demos that drive several
 * replicas from outside: what this replica's breakers say now (and when they changed), and
 * "make N calls to model M" / "keep calling model M at R per second" requests whose outcomes are
 * reported as short strings. Loopback only; JSON in, JSON out.
 *
 * | method + path  | body / query                            | answer |
 * |----------------|-----------------------------------------|--------|
 * | `GET /state`   |                                         | `{ service, instance, breakers, transitions }` |
 * | `POST /calls`  | `{ model, count?: 1, concurrency?: 1 }` | `{ outcomes, counts, durationMs, maxCallMs }` |
 * | `POST /load`   | `{ model, rate, durationMs }`           | `{ model, startedAt }`; replaces a running load for that model |
 * | `GET /load`    | `?model=`                               | `{ model, running, events: [[startedAtMs, outcome], …] }` |
 * | `DELETE /load` |                                         | stops every load |
 *
 * Outcomes: `ok`; `fallback:<cause>` when the fallback answered; else the error's category,
 * with the breaker's source for refusals: `circuit_open:fleet`, `circuit_open:local`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CircuitOpenError, type Runtime, refusalOf } from '@breakwater/instrumentation';
import type OpenAI from 'openai';
import { fallbackCause } from './fallback-reply.ts';

/** One breaker as `GET /state` shows it. */
export interface BreakerView {
  readonly state: string;
  /** `fleet` while a collector override is in force, else `local`. */
  readonly source: string;
  readonly override?: { readonly state: string; readonly allow?: number; readonly expiresInMs: number };
}

/** A change of a breaker's (state, source), seen by a 20 ms sampler: `[epochMs, dependency, state, source]`. */
export type Transition = readonly [number, string, string, string];

export interface InspectOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  readonly service: string;
  readonly instance: string;
  /** The Breakwater runtime whose breakers are shown; undefined shows none. */
  readonly runtime: Runtime | undefined;
  /** The (instrumented) client calls are made with. */
  readonly client: OpenAI;
  /** Sampling period of the transition log (default 20 ms). */
  readonly sampleMs?: number;
}

export interface InspectServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_TRANSITIONS = 10_000;
const MAX_EVENTS = 200_000;

/**
 * The outcome string of a call that threw (or of a fallback's cause). A refused call throws the
 * client's own error, marked with Breakwater's refusal; a fallback's cause is the refusal itself.
 */
export function outcomeOf(error: unknown, runtime: Runtime | undefined): string {
  const refusal = refusalOf(error);
  if (refusal instanceof CircuitOpenError) return `circuit_open:${refusal.breakerSource}`;
  if (refusal !== undefined) return refusal.category;
  if (runtime !== undefined) return runtime.guard.classify(error).category;
  return 'unknown';
}

/** Describes the breakers of `runtime` now. */
export function breakerViews(runtime: Runtime | undefined): Record<string, BreakerView> {
  const out: Record<string, BreakerView> = {};
  if (runtime === undefined) return out;
  const clockNow = runtime.clock.now();
  for (const b of runtime.guard.breakers.list()) {
    const o = b.activeOverride;
    out[b.dependency] = {
      state: b.state,
      source: b.source,
      ...(o === undefined
        ? {}
        : {
            override: {
              state: o.state,
              ...(o.allow !== undefined ? { allow: o.allow } : {}),
              expiresInMs: Math.max(0, o.expiresAt - clockNow),
            },
          }),
    };
  }
  return out;
}

class BadRequest extends Error {}

/** Starts the inspection server. */
export async function startInspectServer(options: InspectOptions): Promise<InspectServer> {
  const { runtime, client } = options;
  const transitions: Transition[] = [];
  const last = new Map<string, string>();
  const sample = () => {
    if (runtime === undefined) return;
    const now = Date.now();
    for (const b of runtime.guard.breakers.list()) {
      const state = b.state;
      const source = b.source;
      const key = `${state}/${source}`;
      if (last.get(b.dependency) === key) continue;
      last.set(b.dependency, key);
      if (transitions.length >= MAX_TRANSITIONS) transitions.shift();
      transitions.push([now, b.dependency, state, source]);
    }
  };
  const sampler = setInterval(sample, options.sampleMs ?? 20);
  sampler.unref();

  async function call(model: string): Promise<string> {
    try {
      const res = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'ping' }],
      });
      const cause = fallbackCause(res);
      return cause === undefined ? 'ok' : `fallback:${cause}`;
    } catch (error) {
      return outcomeOf(error, runtime);
    } finally {
      // Also sample right after each call: calls quicker than the interval would hide a state.
      sample();
    }
  }

  interface Load {
    readonly model: string;
    readonly events: Array<[number, string]>;
    timer: NodeJS.Timeout | undefined;
    inFlight: number;
  }
  const loads = new Map<string, Load>();
  function stopLoad(load: Load): void {
    if (load.timer !== undefined) clearInterval(load.timer);
    load.timer = undefined;
  }
  /** Open-loop load: `rate` calls per second (started on schedule, whatever earlier ones do). */
  function startLoad(model: string, rate: number, durationMs: number): Load {
    const previous = loads.get(model);
    if (previous !== undefined) stopLoad(previous);
    const load: Load = { model, events: [], timer: undefined, inFlight: 0 };
    loads.set(model, load);
    const t0 = Date.now();
    const gap = 1000 / rate;
    let sent = 0;
    const tick = () => {
      const now = Date.now();
      if (now - t0 >= durationMs) {
        stopLoad(load);
        return;
      }
      const due = Math.floor((now - t0) / gap) + 1;
      while (sent < due && load.events.length < MAX_EVENTS) {
        sent++;
        const startedAt = Date.now();
        load.inFlight++;
        void call(model).then((outcome) => {
          load.inFlight--;
          load.events.push([startedAt, outcome]);
        });
      }
    };
    load.timer = setInterval(tick, Math.max(5, Math.min(50, gap / 2)));
    tick();
    return load;
  }

  async function route(req: IncomingMessage, url: URL): Promise<[number, unknown]> {
    const key = `${req.method} ${url.pathname}`;
    switch (key) {
      case 'GET /state':
        sample();
        return [
          200,
          {
            service: options.service,
            instance: options.instance,
            breakers: breakerViews(runtime),
            transitions,
          },
        ];
      case 'POST /calls': {
        const body = await jsonBody(req);
        const model = str(body.model, 'model');
        const count = int(body.count ?? 1, 'count', 1, 10_000);
        const concurrency = int(body.concurrency ?? 1, 'concurrency', 1, 256);
        const outcomes: string[] = new Array(count);
        const started = performance.now();
        let maxCallMs = 0;
        let next = 0;
        await Promise.all(
          Array.from({ length: Math.min(concurrency, count) }, async () => {
            while (next < count) {
              const i = next++;
              const t = performance.now();
              outcomes[i] = await call(model);
              maxCallMs = Math.max(maxCallMs, performance.now() - t);
            }
          }),
        );
        const counts: Record<string, number> = {};
        for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
        return [200, { outcomes, counts, durationMs: performance.now() - started, maxCallMs }];
      }
      case 'POST /load': {
        const body = await jsonBody(req);
        const model = str(body.model, 'model');
        const rate = num(body.rate, 'rate', 0.01, 1_000);
        const durationMs = num(body.durationMs, 'durationMs', 1, 3_600_000);
        startLoad(model, rate, durationMs);
        return [200, { model, startedAt: Date.now() }];
      }
      case 'GET /load': {
        const model = url.searchParams.get('model') ?? '';
        const load = loads.get(model);
        if (load === undefined) return [404, { error: `no load for model ${JSON.stringify(model)}` }];
        return [
          200,
          { model, running: load.timer !== undefined, inFlight: load.inFlight, events: load.events },
        ];
      }
      case 'DELETE /load':
        for (const load of loads.values()) stopLoad(load);
        return [200, { stopped: loads.size }];
      default:
        return [404, { error: `no route ${key}` }];
    }
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://inspect');
    route(req, url).then(
      ([status, body]) => send(res, status, body),
      (error: unknown) =>
        send(res, error instanceof BadRequest ? 400 : 500, { error: String((error as Error).message) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  server.unref();
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: async () => {
      clearInterval(sampler);
      for (const load of loads.values()) stopLoad(load);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 65_536) throw new BadRequest('body too large');
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new BadRequest('body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequest('body must be an object');
  return body as Record<string, unknown>;
}

function str(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new BadRequest(`${name} must be a non-empty string`);
  return value;
}

function num(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new BadRequest(`${name} must be a number in [${min}, ${max}]`);
  return value;
}

function int(value: unknown, name: string, min: number, max: number): number {
  const n = num(value, name, min, max);
  if (!Number.isInteger(n)) throw new BadRequest(`${name} must be an integer`);
  return n;
}
