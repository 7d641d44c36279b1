/**
 * The collector's HTTP surface (one listener; see DESIGN.md).
 */
export const COLLECTOR_PATHS = {
  TRACES: '/v1/traces',
  METRICS_INGEST: '/v1/metrics',
  SIGNALS: '/v1/signals',
  SIGNALS_ACTIVE: '/v1/signals/active',
  SLOS: '/v1/slos',
  GATE: '/v1/gate',
  PROMETHEUS: '/metrics',
  HEALTHZ: '/healthz',
  READYZ: '/readyz',
  STATUS_PAGE: '/',
  /** JSON snapshot of everything the status page shows (admin scope). */
  STATUS: '/v1/status',
  /** SSE stream of status snapshots: one on connect, then on change (admin scope). */
  STATUS_EVENTS: '/v1/status/events',
} as const;

/**
 * OTLP/HTTP's logs path. The collector does not serve it (it takes traces and metrics only), but
 * an SDK's default log exporter posts there: both sides name it when saying so.
 */
export const OTLP_LOGS_PATH = '/v1/logs';

/** Default listener: loopback on the OTLP/HTTP port, so SDKs export here with no configuration. */
export const DEFAULT_COLLECTOR_HOST = '127.0.0.1';
/** Default collector port: the standard OTLP/HTTP port. */
export const DEFAULT_COLLECTOR_PORT = 4318;
/**
 * Default collector base URL, `http://127.0.0.1:4318`: where the SDK's control client connects
 * when neither an option, `BREAKWATER_COLLECTOR_URL` nor an OTLP endpoint names a collector.
 */
export const DEFAULT_COLLECTOR_URL = `http://${DEFAULT_COLLECTOR_HOST}:${DEFAULT_COLLECTOR_PORT}`;

/**
 * Bearer-token scopes. `admin` also grants the others. `gate` is read-mostly access to the
 * deployment gate only, so CI systems (Argo, Flagger, pipelines) need no admin token.
 */
export const TOKEN_SCOPES = ['ingest', 'subscribe', 'admin', 'gate'] as const;
/** A bearer-token scope on the collector (one of {@link TOKEN_SCOPES}; `admin` grants all). */
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Environment variables Breakwater reads beside the standard `OTEL_*` ones. */
export const ENV = {
  /** Collector base URL for the control client (defaults to the collector the spans go to). */
  COLLECTOR_URL: 'BREAKWATER_COLLECTOR_URL',
  /** Bearer token the SDK presents to the collector's signal stream. */
  SUBSCRIBE_TOKEN: 'BREAKWATER_SUBSCRIBE_TOKEN',
  /** `false` (or `0`, `no`, `off`, in any case) turns the control client off. */
  CONTROL: 'BREAKWATER_CONTROL',
  /** Port for an optional Prometheus endpoint serving the SDK's metrics. */
  PROMETHEUS_PORT: 'BREAKWATER_PROMETHEUS_PORT',
  /** Host that endpoint binds (default `127.0.0.1`; `0.0.0.0` to be scraped from outside a container). */
  PROMETHEUS_HOST: 'BREAKWATER_PROMETHEUS_HOST',
  /** Bound on one captured message-content attribute, UTF-8 bytes (content capture on). */
  CAPTURE_MAX_BYTES: 'BREAKWATER_CAPTURE_MAX_BYTES',
  /**
   * Set by `start()` to the `service.instance.id` it took from `OTEL_RESOURCE_ATTRIBUTES`, so the
   * processes and worker threads the app starts afterwards, which inherit both, know that id is
   * taken and export under one of their own.
   */
  INSTANCE_ID_TAKEN: 'BREAKWATER_INSTANCE_ID_TAKEN',
} as const;

/**
 * How long the SDK's control client lets the signal stream stay silent (no event, no heartbeat)
 * before it drops the connection and reconnects: the default of its `idleTimeoutMs`. The
 * collector's `fleet.stream.heartbeat` must stay at most a third of it, so one or two heartbeats
 * can be late or lost without every SDK reconnecting.
 */
export const SIGNAL_STREAM_IDLE_TIMEOUT_MS = 45_000;
