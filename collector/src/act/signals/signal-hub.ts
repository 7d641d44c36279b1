import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ActiveSignals,
  type BreakerSignal,
  type Clock,
  formatSignalEventId,
  parseSignalEventId,
  SIGNAL_EVENT,
  type TimerHandle,
} from '@breakwater/protocol';
import type { Logger, TokenIdentity } from '../../component.ts';
import { withRemainingTtl } from '../../evaluate/fleet/remaining-ttl.ts';
import { sendJsonError } from '../../receive/http-reply.ts';
import { openEventStream, sseComment, sseEvent, sseRetry } from '../sse.ts';
import { STREAM_DROPPED_METRIC } from './fleet-metrics.ts';
import { LogInterval } from './log-interval.ts';
import { snapshotEvents } from './snapshot-events.ts';
import { TokenShares } from './token-shares.ts';

/** How long a subscriber's queue may stay over `maxQueuedBytes` before it counts as slow. */
const SLOW_GRACE_MS = 2_000;
/** Past this multiple of `maxQueuedBytes`, a subscriber is dropped at once (memory stays bounded). */
const HARD_QUEUE_FACTOR = 8;
/** At most one "slow subscriber dropped" line per this long; the rest are counted into the next. */
const SLOW_DROP_LOG_INTERVAL_MS = 60_000;

/** Tunables of the signal stream (the `fleet.stream` config section, in ms and bytes). */
export interface SignalHubOptions {
  clock: Clock;
  logger: Logger;
  /**
   * Signals in force now, each with `ttlMs` the time it has left (as sent); the hub asks on
   * every snapshot.
   */
  active: () => readonly BreakerSignal[];
  heartbeatMs: number;
  retryMs: number;
  replayBuffer: number;
  maxSubscribers: number;
  /**
   * Subscribers one auth token may hold at once (see {@link TokenShares}); the fleet config's
   * default is half of `maxSubscribers`.
   */
  maxSubscribersPerToken: number;
  maxQueuedBytes: number;
}

/** Counters the hub keeps (rendered on `/metrics`). */
export interface SignalHubStats {
  published: number;
  snapshots: number;
  resumed: number;
  connections: number;
  /**
   * Subscribers disconnected or refused, by cause: `refused` when every slot is taken,
   * `tokenShare` when the caller's token holds its whole share.
   */
  dropped: { slow: number; refused: number; tokenShare: number };
}

interface Subscriber {
  res: ServerResponse;
  /** Armed while its queue is over `maxQueuedBytes`: still over when it fires, it is slow. */
  slowCheck?: TimerHandle | undefined;
  /** `service` filter; `''` for none (receives every signal). */
  service: string;
  /** The token it subscribed with; undefined with auth off. */
  token: TokenIdentity | undefined;
}

interface Buffered {
  seq: number;
  signal: BreakerSignal;
  /** When it was published (monotonic ms): a replay shortens its TTL by the time since. */
  at: number;
}

const HEARTBEAT = Buffer.from(sseComment('heartbeat'));

/**
 * Fan-out of breaker signals to SSE subscribers (`GET /v1/signals`). Each event is serialized
 * once and the same Buffer is written to every subscriber it is for; subscribers are grouped by
 * their `service` filter so routing costs nothing per subscriber. Recent events stay in a ring
 * so a reconnecting client resumes from `Last-Event-ID` without gaps.
 */
export class SignalHub {
  readonly stats: SignalHubStats = {
    published: 0,
    snapshots: 0,
    resumed: 0,
    connections: 0,
    dropped: { slow: 0, refused: 0, tokenShare: 0 },
  };
  private readonly options: SignalHubOptions;
  private readonly stream = randomUUID().slice(0, 8);
  private seq = 0;
  private readonly ring: (Buffered | undefined)[];
  /** Subscribers by service filter (`''`: unfiltered). */
  private readonly groups = new Map<string, Set<Subscriber>>();
  private count = 0;
  /** Whether the current run of refusals at `maxSubscribers` was logged (reset when one leaves). */
  private fullLogged = false;
  private readonly share: number;
  private readonly shares: TokenShares;
  private timer: TimerHandle | undefined;
  private readonly slowDropLog: LogInterval;

  constructor(options: SignalHubOptions) {
    this.options = options;
    this.slowDropLog = new LogInterval(options.clock, SLOW_DROP_LOG_INTERVAL_MS);
    this.ring = new Array(options.replayBuffer);
    this.share = options.maxSubscribersPerToken;
    this.shares = new TokenShares(this.share);
  }

  /** Current subscribers. */
  get subscribers(): number {
    return this.count;
  }

  /** Most subscribers the stream takes (`fleet.stream.maxSubscribers`). */
  get maxSubscribers(): number {
    return this.options.maxSubscribers;
  }

  /** Starts the heartbeat. */
  start(): void {
    if (this.timer !== undefined) return;
    const beat = (): void => {
      for (const group of this.groups.values()) for (const sub of group) this.write(sub, HEARTBEAT);
      this.timer = this.options.clock.setTimeout(beat, this.options.heartbeatMs);
    };
    this.timer = this.options.clock.setTimeout(beat, this.options.heartbeatMs);
  }

  /** Stops the heartbeat and ends every stream (clients reconnect to the next collector). */
  stop(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const group of this.groups.values()) {
      for (const sub of group) {
        if (sub.slowCheck !== undefined) this.options.clock.clearTimeout(sub.slowCheck);
        sub.res.end();
      }
    }
    this.groups.clear();
    this.shares.clear();
    this.count = 0;
  }

  /** Sends `signal` to every subscriber it is for, and keeps it for resumption. */
  publish(signal: BreakerSignal): void {
    const seq = ++this.seq;
    this.ring[seq % this.ring.length] = { seq, signal, at: this.options.clock.monotonic() };
    this.stats.published++;
    const frame = Buffer.from(sseEvent(SIGNAL_EVENT.SIGNAL, formatSignalEventId(this.stream, seq), signal));
    if (signal.service === undefined) {
      for (const group of this.groups.values()) for (const sub of group) this.write(sub, frame);
      return;
    }
    for (const key of ['', signal.service]) {
      const group = this.groups.get(key);
      if (group) for (const sub of group) this.write(sub, frame);
    }
  }

  /** Active signals for `service` (all when absent), TTLs as the source shortened them. */
  snapshot(service?: string): ActiveSignals {
    const signals = this.options.active().filter((signal) => matches(signal, service ?? ''));
    return { now: Math.floor(this.options.clock.now()), signals };
  }

  /**
   * Handles `GET /v1/signals` (and `HEAD`: headers only); auth was checked by the host server,
   * and `token` is the token it accepted (undefined with auth off).
   */
  subscribe(req: IncomingMessage, res: ServerResponse, url: URL, token?: TokenIdentity): void {
    // Any service name is a valid filter: one longer than a signal's `service` may be (see
    // MAX_SIGNAL_SERVICE_CHARS) gets the fleet-wide signals only, as no signal is scoped to it.
    const service = url.searchParams.get('service') ?? '';
    // A HEAD gets the answer a GET would get, refusals included, but wants no stream: refusing it
    // drops none, so it is neither counted nor logged.
    const head = req.method === 'HEAD';
    // The token's share first, so a token over it hears why even while the stream is full. 503
    // rather than 429: SDKs retry a 503 quietly with backoff but report any 4xx as a
    // configuration error (wrong URL or token), which this is not.
    if (token !== undefined && !this.shares.hasRoom(token)) {
      if (!head) this.stats.dropped.tokenShare++;
      if (!head && this.shares.noteRefusal(token)) {
        this.options.logger.warn(
          { token: token.name, share: this.share },
          'signal subscribers refused: token holds its whole share (fleet.stream.maxSubscribersPerToken)',
        );
      }
      this.refuse(res, `token "${token.name}" holds its share of signal subscribers (${this.share})`);
      return;
    }
    if (this.count >= this.options.maxSubscribers) {
      if (!head) this.stats.dropped.refused++;
      // Once per run of refusals: every refused SDK retries, and each is a replica that will not
      // back off with the fleet.
      if (!head && !this.fullLogged) {
        this.fullLogged = true;
        this.options.logger.warn(
          { maxSubscribers: this.options.maxSubscribers },
          'signal subscribers refused: the stream is full (fleet.stream.maxSubscribers); refused SDKs retry and miss breaker signals meanwhile',
        );
      }
      this.refuse(res, 'too many signal subscribers');
      return;
    }
    openEventStream(req, res, { 'cache-control': 'no-cache, no-transform' });
    // HEAD gets the headers GET would get and nothing else: no subscriber slot, no snapshot, no
    // connection counted; otherwise the slot would stay taken until the client hung up.
    if (head) {
      res.end();
      return;
    }
    const sub: Subscriber = { res, service, token };
    const lastEventId =
      headerValue(req.headers['last-event-id']) ?? url.searchParams.get('lastEventId') ?? undefined;
    res.write(sseRetry(this.options.retryMs) + this.catchUp(lastEventId, service));
    let group = this.groups.get(service);
    if (group === undefined) {
      group = new Set();
      this.groups.set(service, group);
    }
    group.add(sub);
    this.count++;
    if (token !== undefined) this.shares.add(token);
    this.stats.connections++;
    res.on('close', () => this.remove(sub));
  }

  /**
   * What a new connection gets first: the buffered events after `lastEventId` when the ring
   * still holds all of them (TTLs shortened, expired ones left out), otherwise a snapshot.
   */
  private catchUp(lastEventId: string | undefined, service: string): string {
    const last = parseSignalEventId(this.stream, lastEventId);
    const oldest = this.seq - this.ring.length + 1;
    if (last !== undefined && last <= this.seq && last + 1 >= Math.max(1, oldest)) {
      this.stats.resumed++;
      const now = this.options.clock.monotonic();
      let out = '';
      for (let seq = last + 1; seq <= this.seq; seq++) {
        const entry = this.ring[seq % this.ring.length];
        if (entry === undefined || entry.seq !== seq || !matches(entry.signal, service)) continue;
        // A late `closed` still helps (it clears an override early); a late open must not revive.
        const signal =
          withRemainingTtl(entry.signal, now - entry.at) ??
          (entry.signal.state === 'closed' ? { ...entry.signal, ttlMs: 1 } : undefined);
        if (signal) out += sseEvent(SIGNAL_EVENT.SIGNAL, formatSignalEventId(this.stream, seq), signal);
      }
      return out;
    }
    this.stats.snapshots++;
    return snapshotEvents(
      this.snapshot(service === '' ? undefined : service),
      formatSignalEventId(this.stream, this.seq),
    );
  }

  private write(sub: Subscriber, frame: Buffer): void {
    const { res } = sub;
    if (res.destroyed) return;
    res.write(frame);
    const { maxQueuedBytes } = this.options;
    if (res.writableLength <= maxQueuedBytes) return;
    // A subscriber that cannot keep up is dropped, which bounds memory; it reconnects with
    // Last-Event-ID and catches up. But one evaluation's burst (every re-issue falls on the same
    // tick) passes the bound before the socket had a turn to take any of it, also for a reader
    // that keeps up: slow is still over the bound a grace period later, or past a hard multiple
    // of it at once.
    if (res.writableLength > HARD_QUEUE_FACTOR * maxQueuedBytes) {
      this.dropSlow(sub);
      return;
    }
    sub.slowCheck ??= this.options.clock.setTimeout(() => {
      sub.slowCheck = undefined;
      if (!res.destroyed && res.writableLength > maxQueuedBytes) this.dropSlow(sub);
    }, SLOW_GRACE_MS);
  }

  private dropSlow(sub: Subscriber): void {
    this.stats.dropped.slow++;
    const held = this.slowDropLog.take();
    if (held !== undefined)
      this.options.logger.warn(
        {
          queuedBytes: sub.res.writableLength,
          service: sub.service,
          ...(held > 0 ? { droppedUnlogged: held } : {}),
        },
        held > 0
          ? `slow signal subscriber dropped (and ${held} more since the last such line)`
          : `slow signal subscriber dropped (more within a minute are counted on ${STREAM_DROPPED_METRIC}{cause="slow"} and told with the next such line)`,
      );
    this.remove(sub);
    sub.res.destroy();
  }

  private remove(sub: Subscriber): void {
    if (sub.slowCheck !== undefined) this.options.clock.clearTimeout(sub.slowCheck);
    sub.slowCheck = undefined;
    const group = this.groups.get(sub.service);
    if (group?.delete(sub)) {
      this.count--;
      this.fullLogged = false;
      if (sub.token !== undefined) this.shares.remove(sub.token);
      if (group.size === 0) this.groups.delete(sub.service);
    }
  }

  /** 503 with `Retry-After`: the client retries later (SDKs with backoff and jitter). */
  private refuse(res: ServerResponse, message: string): void {
    res.setHeader('retry-after', String(Math.ceil(this.options.retryMs / 1_000)));
    sendJsonError(res, 503, message);
  }
}

/** Whether a subscriber filtering on `service` (`''`: none) receives `signal`. */
function matches(signal: BreakerSignal, service: string): boolean {
  return service === '' || signal.service === undefined || signal.service === service;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
