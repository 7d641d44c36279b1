import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '@breakwater/protocol';
import type { Logger } from '../../component.ts';
import { openEventStream, sseComment, sseEvent, sseRetry } from '../sse.ts';
import type { StatusSnapshot } from './types.ts';

/** SSE event name of a status snapshot on `GET /v1/status/events`. */
export const STATUS_EVENT = 'status';
const HEARTBEAT = sseComment('heartbeat');

/** Settings of a {@link StatusStream}. */
export interface StatusStreamOptions {
  clock: Clock;
  logger: Logger;
  /** Builds a full snapshot. */
  build(): Promise<StatusSnapshot>;
  /** Least time between two snapshots sent to one viewer. */
  minIntervalMs: number;
  /** How often the sources are re-read while someone watches (catches changes nobody announced). */
  pollIntervalMs: number;
  /** Comment lines this often keep idle proxies from closing the stream. */
  heartbeatMs: number;
  /** Reconnection delay suggested to clients (`retry:`). */
  retryMs: number;
  /** Concurrent viewers; one more is answered 503. */
  maxSubscribers: number;
}

interface Subscriber {
  res: ServerResponse;
  /** Fingerprint of the last snapshot written to this viewer. */
  sent: string | undefined;
  /** When it was written (monotonic ms). */
  sentAt: number;
  /** Since when (monotonic ms) its socket has needed draining; undefined while it keeps up. */
  stalledSince?: number | undefined;
}

interface Built {
  /** When it was built (monotonic ms). */
  at: number;
  /** JSON of the snapshot without `now`: equal fingerprints mean nothing changed. */
  fingerprint: string;
  /**
   * The SSE event, encoded once: written as a string, each viewer's write would encode the
   * snapshot (megabytes on a large fleet) anew, so the work of a tick grew with the viewers.
   */
  frame: Buffer;
}

/** Counters for `/metrics`. */
export interface StatusStreamStats {
  builds: number;
  events: number;
  rejected: number;
  dropped: number;
}

/**
 * Fans status snapshots out to page viewers over Server-Sent Events. A viewer gets a snapshot on
 * connect and then whenever the snapshot changes, at most once per `minIntervalMs`; a change
 * announced with {@link changed} is sent as soon as that limit allows, and the sources are
 * re-read every `pollIntervalMs` for changes nobody announced. Every snapshot is built once and
 * written to every viewer that has not seen it; a viewer still draining an earlier write simply
 * gets the newest snapshot when it drains (snapshots are complete, so skipping is safe).
 * Rate limits and schedules run on the monotonic clock: a step of the wall clock (the snapshot's
 * `now`) must not hold back every viewer for as long as the step.
 */
export class StatusStream {
  readonly stats: StatusStreamStats = { builds: 0, events: 0, rejected: 0, dropped: 0 };
  private readonly options: StatusStreamOptions;
  private readonly subscribers = new Set<Subscriber>();
  private latest: Built | undefined;
  /** When the snapshot last changed (a new frame was made; monotonic ms). */
  private changedAt = Number.NEGATIVE_INFINITY;
  private building: Promise<Built | undefined> | undefined;
  private seq = 0;
  private tickTimer: TimerHandle | undefined;
  private tickAt = Number.POSITIVE_INFINITY;
  private heartbeatTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(options: StatusStreamOptions) {
    this.options = options;
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Serves one viewer until it disconnects or the stream stops. */
  subscribe(req: IncomingMessage, res: ServerResponse): void {
    if (this.stopped || this.subscribers.size >= this.options.maxSubscribers) {
      this.stats.rejected++;
      const body = JSON.stringify({ error: { code: 503, message: 'too many status viewers' } });
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5', connection: 'close' });
      res.end(body);
      return;
    }
    openEventStream(req, res, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write(sseRetry(this.options.retryMs));
    const sub: Subscriber = { res, sent: undefined, sentAt: Number.NEGATIVE_INFINITY };
    this.subscribers.add(sub);
    const remove = () => {
      this.subscribers.delete(sub);
      if (this.subscribers.size === 0) this.idle();
    };
    res.on('close', remove);
    res.on('error', remove);
    res.on('drain', () => this.deliver());
    this.ensureHeartbeat();
    const fresh =
      this.latest !== undefined &&
      this.options.clock.monotonic() - this.latest.at < this.options.minIntervalMs;
    if (fresh) this.deliver();
    else this.schedule(0);
  }

  /** Something changed: viewers get a new snapshot as soon as the rate limit allows. */
  changed(): void {
    if (this.subscribers.size === 0 || this.stopped) return;
    this.schedule(Math.max(0, this.changedAt + this.options.minIntervalMs - this.options.clock.monotonic()));
  }

  /** Ends every stream and stops the timers. */
  stop(): void {
    this.stopped = true;
    this.idle();
    for (const sub of this.subscribers) sub.res.end();
    this.subscribers.clear();
  }

  private idle(): void {
    if (this.tickTimer !== undefined) this.options.clock.clearTimeout(this.tickTimer);
    if (this.heartbeatTimer !== undefined) this.options.clock.clearTimeout(this.heartbeatTimer);
    this.tickTimer = undefined;
    this.heartbeatTimer = undefined;
    this.tickAt = Number.POSITIVE_INFINITY;
  }

  /** Runs a tick in `delayMs` unless one is already due sooner. */
  private schedule(delayMs: number): void {
    const at = this.options.clock.monotonic() + delayMs;
    if (this.tickTimer !== undefined && this.tickAt <= at) return;
    if (this.tickTimer !== undefined) this.options.clock.clearTimeout(this.tickTimer);
    this.tickAt = at;
    this.tickTimer = this.options.clock.setTimeout(() => {
      this.tickTimer = undefined;
      this.tickAt = Number.POSITIVE_INFINITY;
      void this.tick();
    }, delayMs);
  }

  private async tick(): Promise<void> {
    await this.refresh();
    this.deliver();
    if (this.subscribers.size > 0 && !this.stopped) this.schedule(this.options.pollIntervalMs);
  }

  private refresh(): Promise<Built | undefined> {
    this.building ??= (async () => {
      try {
        const snapshot = await this.options.build();
        const at = this.options.clock.monotonic();
        this.stats.builds++;
        const fingerprint = fingerprintOf(snapshot);
        if (this.latest?.fingerprint === fingerprint) {
          this.latest.at = at;
          return this.latest;
        }
        const id = (++this.seq).toString(36);
        const frame = Buffer.from(sseEvent(STATUS_EVENT, id, snapshot), 'utf8');
        this.latest = { at, fingerprint, frame };
        this.changedAt = at;
        return this.latest;
      } catch (error) {
        this.options.logger.error({ err: error }, 'status snapshot failed');
        return this.latest;
      } finally {
        this.building = undefined;
      }
    })();
    return this.building;
  }

  /** Writes the latest snapshot to every viewer that has not seen it and may receive one now. */
  private deliver(): void {
    const latest = this.latest;
    if (latest === undefined) return;
    const now = this.options.clock.monotonic();
    let retryIn = Number.POSITIVE_INFINITY;
    for (const sub of this.subscribers) {
      if (sub.sent === latest.fingerprint) continue;
      const wait = sub.sentAt + this.options.minIntervalMs - now;
      if (wait > 0) {
        retryIn = Math.min(retryIn, wait);
        continue;
      }
      if (sub.res.writableNeedDrain) {
        this.dropIfStalled(sub, now);
        continue; // 'drain' calls deliver again
      }
      sub.stalledSince = undefined;
      sub.sent = latest.fingerprint;
      sub.sentAt = now;
      this.stats.events++;
      sub.res.write(latest.frame);
    }
    if (Number.isFinite(retryIn)) this.schedule(retryIn);
  }

  private ensureHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) return;
    const beat = () => {
      this.heartbeatTimer = undefined;
      if (this.subscribers.size === 0 || this.stopped) return;
      const now = this.options.clock.monotonic();
      for (const sub of this.subscribers) {
        if (!sub.res.writableNeedDrain) sub.res.write(HEARTBEAT);
        else this.dropIfStalled(sub, now);
      }
      this.heartbeatTimer = this.options.clock.setTimeout(beat, this.options.heartbeatMs);
    };
    this.heartbeatTimer = this.options.clock.setTimeout(beat, this.options.heartbeatMs);
  }

  /**
   * Drops a viewer whose socket has needed draining for two heartbeats. Nothing is written to a
   * socket that needs draining, so a viewer holds at most one snapshot unsent: a client that
   * connects and never reads would otherwise hold its slot for ever, and enough of them every
   * slot. How much it holds is no sign of that: a page of many SLOs is sent snapshots of
   * megabytes, and a browser takes the next only once it has rendered the last.
   */
  private dropIfStalled(sub: Subscriber, now: number): void {
    sub.stalledSince ??= now;
    if (now - sub.stalledSince < 2 * this.options.heartbeatMs) return;
    this.stats.dropped++;
    this.subscribers.delete(sub);
    sub.res.destroy();
  }
}

/**
 * What makes a snapshot new to its viewers. Not `now`, nor an SLO's `evaluatedAt` (every build
 * evaluates anew; the page does not show it), and not a signal's `ttlMs`, which only counts down
 * between builds (the page counts it down itself from `now + ttlMs`): each signal counts by its
 * expiry, to the second, so a re-issue that extends it is news, the passing of time is not. (A
 * new frame every second re-rendered the page, and took an operator's selection.)
 */
function fingerprintOf(snapshot: StatusSnapshot): string {
  const { now, signals, slos, ...rest } = snapshot;
  return JSON.stringify({
    ...rest,
    slos: slos?.map(({ evaluatedAt: _evaluatedAt, ...slo }) => slo),
    signals: signals?.map(({ ttlMs, ...signal }) => ({
      ...signal,
      expires: Math.round((now + ttlMs) / 1_000),
    })),
  });
}
