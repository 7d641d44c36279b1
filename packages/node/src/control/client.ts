import {
  BREAKER_SIGNAL_KIND,
  type BreakerOverride,
  type Clock,
  COLLECTOR_PATHS,
  MAX_SIGNAL_EVENT_BYTES,
  parseBreakerSignal,
  SIGNAL_EVENT,
  SIGNAL_RESULTS,
  SIGNAL_STREAM_IDLE_TIMEOUT_MS,
  type SignalResult,
  signalEventStream,
  systemClock,
  type TimerHandle,
} from '@breakwater/protocol';
import { retryAfterFromHeaders } from '@breakwater/resilience';
import { type MeterProvider, metrics } from '@opentelemetry/api';
import { fullJitterDelay } from './backoff.ts';
import { StreamIdle } from './connect-failure.ts';
import { ConnectionLog } from './connection-log.ts';
import { type ControlMetrics, createControlMetrics } from './control-metrics.ts';
import { type ControlLogger, type ControlLoggerOption, toLogger } from './logger.ts';
import { logOverrideChange } from './override-change.ts';
import { OverrideTable, type OverrideTarget } from './override-table.ts';
import { refusalDetail, SubscriptionRefused } from './refusal.ts';
import { type SseEvent, SseOverflowError, SseParser } from './sse-parser.ts';
import { fetchTransport, nodeTransport, type Transport } from './transport.ts';

export type { ControlLogger } from './logger.ts';

export interface ControlClientOptions {
  /** Collector base URL, e.g. `http://127.0.0.1:4318` (a path prefix is kept). */
  url: string | URL;
  /** Bearer token with the `subscribe` scope, when the collector requires one. */
  token?: string | undefined;
  /** This service's `service.name`: only signals for it (or for every service) are applied. */
  service: string;
  /** The breaker registry. */
  target: OverrideTarget;
  clock?: Clock;
  /**
   * A structured logger, or a function taking one line per message (it gets info and warn, not
   * debug). Default: the OpenTelemetry `diag` logger.
   */
  logger?: ControlLoggerOption;
  /** Use this `fetch` instead of `node:http` (note: its connection may keep the process alive). */
  fetch?: typeof fetch;
  /** Uniform random in [0, 1) for the backoff jitter. */
  random?: () => number;
  /** Where the metrics go; default the global OpenTelemetry meter provider. */
  meterProvider?: MeterProvider;
  /** First reconnection delay ceiling when the server sent no `retry:` (default 1 s). */
  initialDelayMs?: number;
  /** Largest reconnection delay ceiling (default 30 s). */
  maxDelayMs?: number;
  /** A stream silent this long (no event, no heartbeat) is presumed dead (default 45 s). */
  idleTimeoutMs?: number;
  /** Largest SSE line or event accepted (default `MAX_SIGNAL_EVENT_BYTES`, 1 MiB). */
  maxEventBytes?: number;
}

/** Counters of what the client did. */
export interface ControlStats {
  /** Streams opened (HTTP 200 with `text/event-stream`). */
  connects: number;
  /** Connection attempts that failed, and streams that ended. */
  disconnects: number;
  /**
   * Signal events by result; `malformed`, `unknown_event`, `foreign`, `stale` and `over_limit`
   * were dropped.
   */
  signals: Record<SignalResult, number>;
}

/** A running control client. Never throws into the application. */
export interface ControlClient {
  /** True while a signal stream is open. */
  readonly connected: boolean;
  /** The fleet overrides in force now, by dependency (a copy). */
  readonly activeOverrides: ReadonlyMap<string, BreakerOverride>;
  readonly stats: Readonly<ControlStats>;
  /** The last SSE event id seen, sent as `Last-Event-ID` on reconnection. */
  readonly lastEventId: string | undefined;
  /** Stops the stream and clears every override it set (local breakers decide again). */
  close(): Promise<void>;
}

/**
 * Subscribes to the collector's breaker signals (`GET /v1/signals?service=`, SSE) and applies
 * each one to the local breaker registry as an external override that expires at the signal's
 * TTL, counted from local receipt. When the collector is unreachable the overrides lapse and the
 * local breakers decide alone (fail open); the client reconnects with full-jitter exponential
 * backoff and resumes with `Last-Event-ID`. Malformed, unknown, foreign or stale signals are
 * dropped and counted, never applied; so are new overrides past the target's `maxOverrides`.
 */
export function startControlClient(options: ControlClientOptions): ControlClient {
  const logger = toLogger(options.logger);
  try {
    return new SignalSubscription(options, logger);
  } catch (error) {
    logger.warn('breakwater control client disabled', { error: String(error) });
    return disabledClient();
  }
}

class SignalSubscription implements ControlClient {
  readonly stats: ControlStats = {
    connects: 0,
    disconnects: 0,
    signals: zeroCounts(),
  };
  lastEventId: string | undefined;
  private isConnected = false;
  private closed = false;
  private readonly url: URL;
  private readonly headers: Record<string, string>;
  private readonly service: string;
  private readonly clock: Clock;
  private readonly logger: ControlLogger;
  private readonly random: () => number;
  private readonly transport: Transport;
  private readonly table: OverrideTable;
  private readonly metrics: ControlMetrics;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxEventBytes: number;
  private serverRetryMs: number | undefined;
  /** The last refusal's `Retry-After`, waited before the next attempt. */
  private retryAfterMs: number | undefined;
  /** A snapshot arriving in parts: what its parts so far keep, and the event id before it. */
  private snapshotParts: { keep: Set<string>; previousId: string | undefined } | undefined;
  /** Whether an `over_limit` drop was warned about on this connection (then: debug, not a flood). */
  private overLimitWarned = false;
  /**
   * Drops warned about on this connection, by result and reason: an unknown event type or signal
   * kind, or a signal failing the schema the same way (a newer collector's state, a longer TTL),
   * comes again at every re-issue, so each is warned about once, then logged at debug.
   */
  private readonly warnedDrops = new Set<string>();
  private readonly connectionLog: ConnectionLog;
  private abort: AbortController | undefined;
  private sleepTimer: TimerHandle | undefined;
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;

  constructor(options: ControlClientOptions, logger: ControlLogger) {
    this.logger = logger;
    this.service = options.service;
    this.url = signalsUrl(options.url, options.service);
    this.headers = {
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.transport = options.fetch ? fetchTransport(options.fetch) : nodeTransport;
    this.initialDelayMs = options.initialDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? SIGNAL_STREAM_IDLE_TIMEOUT_MS;
    this.maxEventBytes = options.maxEventBytes ?? MAX_SIGNAL_EVENT_BYTES;
    this.connectionLog = new ConnectionLog({
      logger,
      clock: this.clock,
      url: this.url,
      hasToken: Boolean(options.token),
    });
    this.table = new OverrideTable({
      target: options.target,
      clock: this.clock,
      onTargetError: (error, dependency) =>
        this.logger.warn('breaker registry rejected a fleet override', { dependency, error: String(error) }),
      onChange: (change) => logOverrideChange(this.logger, change),
    });
    this.metrics = createControlMetrics(options.meterProvider ?? metrics.getMeterProvider(), () => ({
      connected: this.isConnected,
      overrides: this.table.size,
    }));
    this.loop = this.run().catch((error) => {
      this.logger.warn('breakwater control client stopped', { error: String(error) });
    });
  }

  get connected(): boolean {
    return this.isConnected;
  }

  get activeOverrides(): ReadonlyMap<string, BreakerOverride> {
    return this.table.snapshot();
  }

  async close(): Promise<void> {
    if (this.closed) return this.loop;
    this.closed = true;
    this.abort?.abort();
    if (this.sleepTimer !== undefined) this.clock.clearTimeout(this.sleepTimer);
    this.wake?.();
    await this.loop;
    this.table.clearAll();
    this.metrics.dispose();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      const healthy = await this.connectOnce();
      if (this.closed) return;
      this.stats.disconnects++;
      // A stream the collector accepted and spoke on (events, or only heartbeats when a resume
      // had nothing new) was healthy, e.g. cut by a proxy: start the backoff over. One that said
      // nothing but its `retry:`, or broke on what it sent, was not: it backs off.
      if (healthy) attempt = 0;
      const base = this.serverRetryMs ?? this.initialDelayMs;
      // A collector that said how long to wait (a 503 at its subscriber limit) is waited for,
      // and the jitter comes on top, so a fleet refused at once does not come back at once.
      const asked = Math.min(this.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
      this.retryAfterMs = undefined;
      await this.sleep(asked + fullJitterDelay(attempt++, base, this.maxDelayMs, this.random));
    }
  }

  /**
   * One connection, from request to end of stream. Resolves whether it was healthy: it carried
   * an event or a heartbeat, and did not end on something it sent that the client refuses.
   */
  private async connectOnce(): Promise<boolean> {
    const abort = new AbortController();
    this.abort = abort;
    // A snapshot cut off mid-way is sent whole again on the next connection.
    this.snapshotParts = undefined;
    this.overLimitWarned = false;
    this.warnedDrops.clear();
    let spoke = false;
    let idle: TimerHandle | undefined;
    const armIdle = (grace = false): void => {
      if (idle !== undefined) this.clock.clearTimeout(idle);
      const ms = grace ? Math.min(PAUSE_MS, this.idleTimeoutMs) : this.idleTimeoutMs;
      const due = this.clock.monotonic() + ms;
      idle = this.clock.setTimeout(() => {
        // Far past its time, the timer says the process was not running (frozen between
        // serverless invocations, stopped, its event loop blocked), not that the collector fell
        // silent: what it sent meanwhile waits unread in the socket, read right after this timer.
        // A stream that still says nothing within a short grace is dead (a NAT that dropped it).
        if (!grace && this.clock.monotonic() - due > PAUSE_MS) armIdle(true);
        else abort.abort(new StreamIdle(this.idleTimeoutMs));
      }, ms);
    };
    armIdle();
    try {
      const headers = this.lastEventId
        ? { ...this.headers, 'last-event-id': this.lastEventId }
        : this.headers;
      const res = await this.transport(this.url, headers, abort.signal);
      if (res.status !== 200 || !res.contentType.toLowerCase().startsWith('text/event-stream')) {
        const detail = await refusalDetail(res.contentType, res.body);
        const retryAfterMs = retryAfterFromHeaders({ 'retry-after': res.retryAfter }, this.clock.now());
        throw new SubscriptionRefused(res.status, res.contentType, res.location, detail, retryAfterMs);
      }
      this.isConnected = true;
      this.stats.connects++;
      this.connectionLog.connected();
      const decoder = new TextDecoder();
      const parser = new SseParser(
        {
          onEvent: (event) => {
            spoke = true;
            this.onEvent(event);
          },
          onRetry: (ms) => {
            this.serverRetryMs = Math.min(60_000, Math.max(100, ms));
          },
          onComment: () => {
            spoke = true;
          },
        },
        this.maxEventBytes,
      );
      for await (const chunk of res.body) {
        armIdle();
        parser.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      }
      this.connectionLog.lost({ how: 'ended' });
    } catch (error) {
      if (error instanceof SseOverflowError) spoke = false;
      if (error instanceof SubscriptionRefused) this.retryAfterMs = error.retryAfterMs;
      // The transport throws its own abort error; the reason we aborted with says why.
      if (!this.closed) this.reportEnd(abort.signal.aborted ? abort.signal.reason : error);
    } finally {
      if (idle !== undefined) this.clock.clearTimeout(idle);
      abort.abort();
      this.isConnected = false;
    }
    return spoke;
  }

  /** A stream that broke or went idle, or an attempt that failed (see connection-log.ts). */
  private reportEnd(reason: unknown): void {
    if (!this.isConnected) this.connectionLog.attemptFailed(reason);
    else if (reason instanceof StreamIdle) this.connectionLog.lost({ how: 'idle', idleMs: reason.idleMs });
    else this.connectionLog.lost({ how: 'broke', error: reason });
  }

  private onEvent(event: SseEvent): void {
    const previousId = this.lastEventId;
    // Only an id that can go back as a header is kept: any other (a proxy's, a foreign server's)
    // would make every reconnection fail before it is sent, or be refused as too large.
    if (RESUMABLE_ID.test(event.lastEventId)) this.lastEventId = event.lastEventId;
    if (event.type === SIGNAL_EVENT.SIGNAL) {
      this.applyRaw(parseJson(event.data), event.lastEventId);
    } else if (event.type === SIGNAL_EVENT.SNAPSHOT) {
      this.applySnapshot(parseJson(event.data), previousId, event.lastEventId);
    } else {
      this.count('unknown_event', { type: event.type.slice(0, 64) });
    }
  }

  /**
   * Validates and applies one signal, carried by the event `eventId` (which orders it, see
   * signal-order.ts); returns its dependency when it is in effect afterwards.
   */
  private applyRaw(raw: unknown, eventId: string): string | undefined {
    // Another kind is no breaker signal, however it is shaped: a newer collector's, not malformed.
    const kind = (raw as { kind?: unknown } | null | undefined)?.kind;
    if (typeof kind === 'string' && kind !== BREAKER_SIGNAL_KIND) {
      this.count('unknown_event', { kind: kind.slice(0, 64) });
      return undefined;
    }
    const parsed = parseBreakerSignal(raw);
    if (!parsed.ok) {
      this.count('malformed', { error: parsed.error.slice(0, 500) });
      return undefined;
    }
    const signal = parsed.signal;
    if (signal.service !== undefined && signal.service !== this.service) {
      this.count('foreign', { id: signal.id, service: signal.service });
      return undefined;
    }
    const result = this.table.apply(signal, eventId);
    const details: Record<string, unknown> = {
      id: signal.id,
      dependency: signal.dependency,
      state: signal.state,
      allow: signal.allow,
      ttlMs: signal.ttlMs,
    };
    if (result === 'over_limit') {
      details.limit = this.table.limit;
      details.reason =
        `holding ${this.table.size} fleet overrides, the runtime's dependency limit ` +
        '(limits.maxDependencies): a signal for a dependency with neither an override nor a breaker is dropped';
    }
    this.count(result, details);
    // Only a dependency the table holds is one a snapshot keeps: a refused one (`over_limit`)
    // would let a stream name dependencies without end within one snapshot.
    return result === 'applied' || result === 'stale' ? signal.dependency : undefined;
  }

  /**
   * A snapshot is every signal in force, as the collector run that sent it knows them. From the
   * run we were following it is the whole truth: overrides it does not mention are cleared. From
   * another run (the collector restarted, or another replica answered) its silence means "not
   * known yet", not "closed": the overrides we hold stay until their TTL, so a collector restart
   * in the middle of an outage does not send the whole fleet back to the failing dependency.
   * A large snapshot comes in parts (`more: true` on all but the last): each part's signals apply
   * at once; what the snapshot does not mention is judged at its last part.
   */
  private applySnapshot(raw: unknown, previousId: string | undefined, id: string): void {
    const signals = (raw as { signals?: unknown } | null)?.signals;
    if (typeof raw !== 'object' || !Array.isArray(signals)) {
      this.snapshotParts = undefined;
      this.count('malformed', { error: 'snapshot without a signals array' });
      return;
    }
    this.snapshotParts ??= { keep: new Set<string>(), previousId };
    const { keep } = this.snapshotParts;
    for (const item of signals) {
      const dependency = this.applyRaw(item, id);
      if (dependency !== undefined) keep.add(dependency);
    }
    if ((raw as { more?: unknown }).more === true) return;
    const before = this.snapshotParts.previousId;
    this.snapshotParts = undefined;
    const sameRun = before === undefined || signalEventStream(before) === signalEventStream(id);
    if (sameRun) {
      this.table.retainOnly(keep);
      return;
    }
    const kept = [...this.table.snapshot().keys()].filter((dependency) => !keep.has(dependency));
    if (kept.length > 0) {
      this.logger.info('fleet snapshot from a new collector run: keeping overrides until their TTL', {
        dependencies: kept.slice(0, 20),
        count: kept.length,
      });
    }
  }

  private count(result: SignalResult, details: Record<string, unknown>): void {
    this.stats.signals[result]++;
    this.metrics.signal(result);
    // What an applied or cleared signal changed is logged by the table (logOverrideChange).
    if (result === 'applied' || result === 'cleared') this.logger.debug(`fleet signal ${result}`, details);
    else if (result === 'over_limit' && this.overLimitWarned)
      this.logger.debug(`fleet signal dropped (${result})`, details);
    else if ((result === 'unknown_event' || result === 'malformed') && !this.firstDrop(result, details))
      this.logger.debug(`fleet signal dropped (${result})`, details);
    else {
      if (result === 'over_limit') this.overLimitWarned = true;
      this.logger.warn(`fleet signal dropped (${result})`, details);
    }
  }

  /** Whether a drop for this reason is new on this connection (then: remembered). */
  private firstDrop(result: SignalResult, details: Record<string, unknown>): boolean {
    const key = `${result} ${JSON.stringify(details)}`;
    // Bounded: a stream inventing reasons without end gets debug lines past the first few.
    if (this.warnedDrops.has(key) || this.warnedDrops.size >= MAX_WARNED_DROPS) return false;
    this.warnedDrops.add(key);
    return true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.sleepTimer = undefined;
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      this.sleepTimer = this.clock.setTimeout(done, ms);
    });
  }
}

function signalsUrl(base: string | URL, service: string): URL {
  const url = new URL(base);
  // `collector:4318` parses as a URL of the scheme `collector:`; every request would then fail
  // as if the collector were down, which the client rides out without a word.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`the collector URL must start with http:// or https:// (got ${String(base)})`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${COLLECTOR_PATHS.SIGNALS}`;
  url.search = new URLSearchParams({ service }).toString();
  url.hash = '';
  return url;
}

/** An SSE id worth sending back as `Last-Event-ID`: printable ASCII, as short as ours are. */
const RESUMABLE_ID = /^[\x21-\x7e]{1,256}$/;

/** Most distinct reasons for unknown or malformed signals warned about per connection. */
const MAX_WARNED_DROPS = 16;

/**
 * How late the idle timer must fire to say the process was paused rather than the stream silent,
 * and the grace a stream then has to deliver what it sent meanwhile.
 */
const PAUSE_MS = 1_000;

/** Most of a refusal's `Retry-After` honoured: a collector's hint, not a reason to stop for hours. */
const MAX_RETRY_AFTER_MS = 300_000;

function zeroCounts(): Record<SignalResult, number> {
  return Object.fromEntries(SIGNAL_RESULTS.map((r) => [r, 0])) as Record<SignalResult, number>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function disabledClient(): ControlClient {
  return {
    connected: false,
    activeOverrides: new Map(),
    stats: { connects: 0, disconnects: 0, signals: zeroCounts() },
    lastEventId: undefined,
    close: async () => {},
  };
}
