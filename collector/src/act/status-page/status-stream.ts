import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '@breakwater/protocol';
import type { Logger } from '../../component.ts';
import { openEventStream, sseComment, sseEvent, sseJsonEvent, sseRetry } from '../sse.ts';
import { diffSnapshot, type SnapshotState } from './status-delta.ts';
import type { StatusSnapshot } from './types.ts';

/** SSE event name of a full status snapshot on `GET /v1/status/events`. */
export const STATUS_EVENT = 'status';
/** SSE event name of a change to the last snapshot sent (a `StatusDelta`) on `GET /v1/status/events`. */
export const STATUS_DELTA_EVENT = 'status-delta';
/**
 * Query parameter of `GET /v1/status/events` (`?deltas=1`) with which a client asks for
 * `status-delta` events; the page does. Without it each change is a full `status` event, as
 * before deltas: a page of an earlier release, which reconnects by itself when the collector is
 * upgraded and knows `status` events only, and other clients of the stream keep up.
 */
export const STATUS_DELTAS_PARAM = 'deltas';
/**
 * Most deltas kept for viewers a few changes behind (also kept under the size of a full snapshot:
 * a viewer further behind gets one of those).
 */
const KEPT_DELTAS = 32;
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
  /** Whether it asked for deltas ({@link STATUS_DELTAS_PARAM}); else it gets full snapshots only. */
  deltas: boolean;
  /** Id of the last snapshot written to this viewer (whole or as a delta). */
  sent: string | undefined;
  /** When it was written (monotonic ms). */
  sentAt: number;
  /** Since when (monotonic ms) its socket has needed draining; undefined while it keeps up. */
  stalledSince?: number | undefined;
}

interface Built {
  /** SSE id of its events. */
  id: string;
  /** When it was built (monotonic ms). */
  at: number;
  snapshot: StatusSnapshot;
  /** What the next snapshot is compared with. */
  state: SnapshotState;
  /**
   * Its `status` event, encoded once when a viewer first needs it (one connecting or behind):
   * written as a string, each viewer's write would encode the snapshot (megabytes on a large
   * fleet) anew, so the work of a tick grew with the viewers.
   */
  full?: Buffer;
}

/** A `status-delta` event, encoded once and written as it is to every viewer it suits. */
interface Delta {
  /** Id of the snapshot it applies to. */
  from: string;
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
 * Fans status snapshots out to page viewers over Server-Sent Events. A viewer gets a full
 * snapshot on connect and then, whenever the snapshot changes, a delta to it if it asked for
 * deltas (rows added, changed and removed: a fleet's burn rates move at every evaluation, and the
 * whole snapshot is megabytes), else the new snapshot, at most once per `minIntervalMs`; a change
 * announced with {@link changed} is sent as soon as that limit allows, and the sources are re-read
 * every `pollIntervalMs` for changes nobody announced. Every snapshot is built once and its delta
 * encoded once, then written as it is to every viewer holding the snapshot before. A viewer a few changes behind (rate-limited, or still
 * draining an earlier write) gets the deltas it missed, each as encoded for all, while they cost
 * less than a full snapshot; one further behind simply gets the newest full snapshot (complete,
 * so skipping is safe).
 * Rate limits and schedules run on the monotonic clock: a step of the wall clock (the snapshot's
 * `now`) must not hold back every viewer for as long as the step.
 */
export class StatusStream {
  readonly stats: StatusStreamStats = { builds: 0, events: 0, rejected: 0, dropped: 0 };
  private readonly options: StatusStreamOptions;
  private readonly subscribers = new Set<Subscriber>();
  private latest: Built | undefined;
  /** Deltas up to `latest`, oldest first: each applies to the snapshot the one before made. */
  private deltas: Delta[] = [];
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

  /**
   * Serves one viewer until it disconnects or the stream stops; with `deltas`, changes go out as
   * `status-delta` events (see {@link STATUS_DELTAS_PARAM}), else as full snapshots.
   */
  subscribe(req: IncomingMessage, res: ServerResponse, deltas = false): void {
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
    const sub: Subscriber = { res, deltas, sent: undefined, sentAt: Number.NEGATIVE_INFINITY };
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
    // Nobody watches: the next viewer gets a full snapshot anyway.
    this.latest = undefined;
    this.deltas = [];
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
        const previous = this.latest;
        const diff = diffSnapshot(previous?.state, snapshot);
        if (previous !== undefined && !diff.changed) {
          previous.at = at;
          return previous;
        }
        const id = (++this.seq).toString(36);
        this.latest = { id, at, snapshot, state: diff.state };
        this.changedAt = at;
        if (previous === undefined || diff.delta === undefined) this.deltas = [];
        else this.keep(previous.id, id, diff.delta, diff.state.bytes);
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

  /** Encodes a delta once and keeps it, with those before it while they cost less than a full snapshot. */
  private keep(from: string, id: string, delta: object, fullBytes: number): void {
    const frame = Buffer.from(
      sseJsonEvent(STATUS_DELTA_EVENT, id, JSON.stringify({ from, ...delta })),
      'utf8',
    );
    this.deltas.push({ from, frame });
    let bytes = this.deltas.reduce((sum, d) => sum + d.frame.length, 0);
    while (this.deltas.length > KEPT_DELTAS || (this.deltas.length > 1 && bytes > fullBytes)) {
      bytes -= this.deltas.shift()!.frame.length;
    }
  }

  /**
   * What brings `sub` from the snapshot it holds to `latest`: the deltas since, when it takes
   * deltas and they are all kept, else the full snapshot.
   */
  private framesFor(sub: Subscriber, latest: Built): Buffer[] {
    const { sent } = sub;
    const deltas = this.deltas;
    if (sub.deltas && sent !== undefined) {
      // An up-to-date viewer is the common case: the last delta, found without a search.
      if (deltas.at(-1)?.from === sent) return [deltas.at(-1)!.frame];
      const from = deltas.findIndex((d) => d.from === sent);
      if (from >= 0) return deltas.slice(from).map((d) => d.frame);
    }
    latest.full ??= Buffer.from(sseEvent(STATUS_EVENT, latest.id, latest.snapshot), 'utf8');
    return [latest.full];
  }

  /** Brings every viewer that has not seen the latest snapshot, and may receive one now, up to it. */
  private deliver(): void {
    const latest = this.latest;
    if (latest === undefined) return;
    const now = this.options.clock.monotonic();
    let retryIn = Number.POSITIVE_INFINITY;
    for (const sub of this.subscribers) {
      if (sub.sent === latest.id) continue;
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
      const frames = this.framesFor(sub, latest);
      sub.sent = latest.id;
      sub.sentAt = now;
      this.stats.events += frames.length;
      for (const frame of frames) sub.res.write(frame);
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
