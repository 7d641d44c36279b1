import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenScope } from '@breakwater/protocol';
import type { SpanRecord } from './decode/span-record.ts';

/**
 * Receives decoded spans. The receiver answers an OTLP request 200 only after every sink's
 * promise resolved, so a sink that persists must resolve only once the data is durable.
 * A sink that throws makes the request fail (503) and nothing is acknowledged.
 */
export type SpanSink = (spans: readonly SpanRecord[], receivedAtMs: number) => void | Promise<void>;

/** A breaker-state data point from an SDK's `breakwater.circuit_breaker.state` metric. */
export interface BreakerStatePoint {
  service: string;
  instanceId: string | undefined;
  dependency: string;
  state: string;
  timeMs: number;
}

/** Receives breaker-state points decoded from `POST /v1/metrics`. */
export type BreakerStateSink = (points: readonly BreakerStatePoint[]) => void;

/** A configured bearer token, as a route sees it (never the secret). */
export interface TokenIdentity {
  /** Position of the entry in `auth.tokens`: unique, unlike `name`. */
  readonly id: number;
  /** `name` of the entry, or `token#<position from 1>`; for logs. */
  readonly name: string;
}

/** Who sent a request, as the router's auth check found out. */
export interface Caller {
  /** The token that authorized the request; undefined when auth is off or the route is public. */
  readonly token: TokenIdentity | undefined;
  /**
   * Tells the router the route refused credentials it read itself (a public route taking a token
   * from the body, as the Flagger webhook does), so they are logged with the router's refusals.
   */
  refused?(status: 401 | 403, message: string): void;
}

/** One HTTP route served on the collector's single listener. */
export interface Route {
  method: 'GET' | 'POST';
  /** Exact path, or a pattern whose groups are passed, percent-decoded, as `params`. */
  path: string | RegExp;
  /** How a pattern route is named in metrics (`/v1/slos/{name}`); an exact path names itself. */
  label?: string;
  /** Token scope required when auth is on; `public` for health checks and the like. */
  scope: TokenScope | 'public';
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    params: readonly string[],
    /** Absent when a test or tool calls the route without the collector's router. */
    caller?: Caller,
  ): void | Promise<void>;
}

/**
 * A stage or output plugged into the collector service: what it consumes, what it serves and
 * what it exposes on `/metrics`. The service wires components together in data-flow order.
 */
export interface CollectorComponent {
  readonly name: string;
  readonly spanSink?: SpanSink;
  readonly breakerStateSink?: BreakerStateSink;
  readonly routes?: readonly Route[];
  /** Appends Prometheus text-format lines (with HELP/TYPE) to `out`. */
  writeMetrics?(out: string[]): void;
  start?(): void | Promise<void>;
  /** Flushes and releases resources on shutdown. */
  stop?(): void | Promise<void>;
}

/** Structured logger (pino-compatible subset) handed to every component. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: object): Logger;
}

/** What the service hands each component factory. */
export interface ComponentContext {
  config: import('./config/schema.ts').CollectorConfig;
  clock: import('@breakwater/protocol').Clock;
  logger: Logger;
  /** Directory for durable state (default `./.breakwater`); created before components start. */
  dataDir: string;
}
