import { type Clock, KEEP_ALIVE, parseDuration } from '@breakwater/protocol';
import type { Logger } from '../component.ts';
import { urlUnder, withoutHeaders } from '../config/http-url.ts';
import type { ForwardConfig } from '../config/server-section.ts';
import { urlForDisplay } from '../config/url-for-display.ts';
import { fetchErrorText } from '../fetch-error.ts';
import type { RawOtlpRequest } from '../receive/otlp-receiver.ts';
import { readResponseHead } from '../response-head.ts';
import { backoffDelayMs, retryAfterMs } from './backoff.ts';
import type { ForwardSpool } from './spool.ts';

/** Final outcome of one forwarded request. */
export type ForwardOutcome =
  | 'sent'
  | 'rejected'
  | 'dropped_queue_full'
  | 'dropped_retries_exhausted'
  | 'dropped_shutdown'
  | 'kept_in_spool';

export const FORWARD_OUTCOMES: readonly ForwardOutcome[] = [
  'sent',
  'rejected',
  'dropped_queue_full',
  'dropped_retries_exhausted',
  'dropped_shutdown',
  'kept_in_spool',
];

/** HTTP statuses the OTLP/HTTP spec calls retryable. */
const RETRYABLE = new Set([429, 502, 503, 504]);

/** Headers every forwarded request sets from its own body, never from the configuration. */
const BODY_HEADERS: ReadonlySet<string> = new Set(['content-type', 'content-encoding']);

type AttemptResult =
  | { kind: 'ok' }
  | { kind: 'fatal'; status: number }
  | { kind: 'retry'; afterMs: number | undefined; reason: string };

export interface DestinationOptions {
  config: ForwardConfig;
  clock: Clock;
  logger: Logger;
  fetch: typeof fetch;
  random: () => number;
  /**
   * The durable copy of the queue (`spool: true`): what it still holds from the previous run is
   * queued first; the destination closes it on stop.
   */
  spool?: ForwardSpool | undefined;
}

/** A queued request and, when it was written to the spool, its row there. */
interface QueuedRequest {
  request: RawOtlpRequest;
  spoolId: number | undefined;
}

/** How long stop waits, after aborting, for deliveries to settle before closing the spool. */
const SPOOL_CLOSE_WAIT_MS = 1_000;

/**
 * One downstream OTLP/HTTP endpoint: a bounded FIFO of received requests, `concurrency` senders
 * and retry with backoff. Enqueueing never waits: when the queue is full the oldest request is
 * dropped (and counted), so a slow or dead downstream costs data there, never ingest latency.
 *
 * With a spool, every queued and in-flight request also has a row in it, written on enqueue and
 * deleted with its final outcome; what is left at shutdown stays there (`kept_in_spool`).
 */
export class Destination {
  /** `origin + path` of the base URL (never credentials), the metrics label. */
  readonly label: string;
  readonly outcomes = new Map<ForwardOutcome, number>(FORWARD_OUTCOMES.map((o) => [o, 0]));
  retries = 0;
  /**
   * Spool writes and deletes that failed (disk full, I/O errors), and rows the previous run left
   * that could not be read back, for `/metrics`.
   */
  readonly spoolFailures = { write: 0, delete: 0, read: 0 };
  /** The spool file, when this destination spools. */
  readonly spoolPath: string | undefined;
  private readonly options: DestinationOptions;
  private readonly base: URL;
  private readonly timeoutMs: number;
  /**
   * The configured headers without any spelling of {@link BODY_HEADERS}: fetch would join a
   * `Content-Type` there with the request's own `content-type` (`a, b`), which no OTLP receiver
   * takes, and send a `Content-Encoding` there on bodies not so encoded.
   */
  private readonly extraHeaders: Readonly<Record<string, string>>;
  private readonly queue: QueuedRequest[] = [];
  private head = 0;
  private bytes = 0;
  private active = 0;
  /** Requests have been dropped after their last attempt since the last one that went through. */
  private dropping = false;
  /** Requests have been refused (a status not retried) since the last one that went through. */
  private refusing = false;
  private stopping = false;
  /** Whether {@link start} ran: until then nothing sends, and a stop has nothing to wait for. */
  private started = false;
  /** Set when shutdown stopped waiting: in-flight work is abandoned. */
  private deadlinePassed = false;
  /**
   * A spooled request failed during the shutdown drain and stays for the next run: the spooled
   * requests behind it stay too, as sent now they would overtake it.
   */
  private holding = false;
  private readonly controllers = new Set<AbortController>();
  private readonly sleepers = new Set<() => void>();
  private idleWaiters: (() => void)[] = [];
  private readonly spool: ForwardSpool | undefined;
  /**
   * Per operation, whether the spool failed it since its last success (logged once per run of
   * them): a full disk may still take a small DELETE while it refuses every INSERT, and a
   * delete's success must not say the writes work again.
   */
  private readonly spoolFailing = { write: false, delete: false };

  constructor(options: DestinationOptions) {
    this.options = options;
    this.base = new URL(options.config.url);
    this.label = urlForDisplay(options.config.url);
    this.timeoutMs = parseDuration(options.config.timeout);
    this.extraHeaders = withoutHeaders(options.config.headers, BODY_HEADERS);
    this.spool = options.spool;
    this.spoolPath = options.spool?.path;
    this.spoolFailures.read = options.spool?.unreadable.length ?? 0;
    // Queued now, ahead of anything received in this run; sent once `start()` pumps. Up to
    // `concurrency` of them were in flight when the last run ended, outside the queue's bounds:
    // they keep that room, in requests and in bytes, so a restart alone drops nothing the last
    // run had kept. Sending is first in, first out, so those are the oldest rows.
    const { concurrency } = options.config;
    const restored = this.spool?.takeRestored() ?? [];
    let spareBytes = 0;
    for (const { request } of restored.slice(0, concurrency)) spareBytes += request.body.length;
    for (const { id, request } of restored) {
      this.push({ request, spoolId: id }, concurrency, spareBytes);
    }
  }

  /** Starts sending what the spool held from the previous run. */
  start(): void {
    this.started = true;
    this.pump();
  }

  get queuedRequests(): number {
    return this.queue.length - this.head;
  }

  get queuedBytes(): number {
    return this.bytes;
  }

  accepts(signal: RawOtlpRequest['signal']): boolean {
    return this.options.config.signals.includes(signal);
  }

  /**
   * Writes `request` to the spool ahead of {@link enqueue}: its row id; undefined without a spool
   * (or once shutdown closed it); `false` when the write failed (disk full, I/O error), which is
   * counted and logged: the request must then be refused, as a restart would lose it.
   */
  spoolWrite(request: RawOtlpRequest): number | undefined | false {
    if (this.spool === undefined || (this.deadlinePassed && !this.spool.isOpen)) return undefined;
    try {
      const id = this.spool.append(request);
      this.spoolRecovered('write');
      return id;
    } catch (error) {
      this.spoolFailed(error, 'write');
      return false;
    }
  }

  /** Deletes the row {@link spoolWrite} wrote for a request that was refused after all. */
  unspool(id: number): void {
    this.removeRow(id);
  }

  /** Queues `request`, with the spool row {@link spoolWrite} wrote for it, if any. */
  enqueue(request: RawOtlpRequest, spoolId: number | undefined = undefined): void {
    // While shutdown drains, a request is queued as before: the drain sends it. Once the drain
    // is over it is too late to send in this run; with a spool the next run sends it.
    if (this.deadlinePassed) {
      this.count(spoolId === undefined ? 'dropped_shutdown' : 'kept_in_spool');
      return;
    }
    this.push({ request, spoolId });
    this.pump();
  }

  /**
   * Waits up to `deadlineMs` for the queue to drain (a request enqueued meanwhile, one the
   * receiver answered late, drains with it); then aborts what is still in flight and drops the
   * rest, and what is enqueued after (counted as `dropped_shutdown`). With a spool, a
   * request that fails from now on stays in it for the next run (`kept_in_spool`) instead of
   * being retried: retries within the drain could only use up its attempts and drop it. The
   * spooled requests behind it then stay as well, so that none overtakes it.
   */
  async stop(deadlineMs: number): Promise<void> {
    const dropped = this.outcomes.get('dropped_shutdown') ?? 0;
    const kept = this.outcomes.get('kept_in_spool') ?? 0;
    this.stopping = true;
    if (this.spool !== undefined) for (const wake of this.sleepers) wake();
    // Never started (a start that failed part-way): nothing is sending, nothing to wait for.
    if (this.started) await this.idleOrAfter(deadlineMs);
    this.deadlinePassed = true;
    while (this.queuedRequests > 0) {
      const entry = this.take();
      this.count(entry.spoolId === undefined ? 'dropped_shutdown' : 'kept_in_spool');
    }
    // Aborted now, or woken from a back-off between attempts, they settle (and are counted)
    // later: the report counts them here.
    const abandoned = this.spool?.isOpen === true ? 0 : this.controllers.size + this.sleepers.size;
    for (const controller of this.controllers) controller.abort();
    for (const wake of this.sleepers) wake();
    if (this.spool !== undefined) {
      // Aborted deliveries settle within a few turns; the spool closes after them so none
      // writes to a closed file (a late one is a no-op: its request is sent again next run).
      await this.idleOrAfter(SPOOL_CLOSE_WAIT_MS);
      this.spool.close();
    }
    this.reportShutdown(
      (this.outcomes.get('dropped_shutdown') ?? 0) - dropped + abandoned,
      (this.outcomes.get('kept_in_spool') ?? 0) - kept,
    );
  }

  /**
   * Says what shutdown left undelivered: the counters say it too, but nothing scrapes a collector
   * that has stopped, so acknowledged data lost here would otherwise leave no trace.
   */
  private reportShutdown(dropped: number, kept: number): void {
    const { logger } = this.options;
    if (dropped > 0) {
      logger.warn(
        { destination: this.label, dropped, keptInSpool: kept },
        'forward requests dropped at shutdown: not delivered before shutdownTimeout and not in a spool',
      );
    } else if (kept > 0) {
      logger.info(
        { destination: this.label, keptInSpool: kept },
        'forward requests kept in the spool for the next start',
      );
    }
  }

  /** Resolves once nothing is queued or in flight, or after `ms`, whichever comes first. */
  private async idleOrAfter(ms: number): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => {
      // Ref'd: during shutdown this wait may be all that is left, and it must finish.
      const timer = this.options.clock.setTimeout(resolve, ms, KEEP_ALIVE);
      this.idleWaiters.push(() => {
        this.options.clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  private isIdle(): boolean {
    return this.active === 0 && !this.canSend();
  }

  /** Whether the queue has a request to send now (none once holding, while its head is spooled). */
  private canSend(): boolean {
    if (this.queuedRequests === 0) return false;
    return !this.holding || this.queue[this.head]!.spoolId === undefined;
  }

  /**
   * Queues `entry`, dropping the oldest beyond `maxQueueRequests` (plus `spareRequests`) /
   * `maxQueueBytes` (plus `spareBytes`).
   */
  private push(entry: QueuedRequest, spareRequests = 0, spareBytes = 0): void {
    this.queue.push(entry);
    this.bytes += entry.request.body.length;
    const { maxQueueRequests, maxQueueBytes } = this.options.config;
    while (
      this.queuedRequests > maxQueueRequests + spareRequests ||
      (this.bytes > maxQueueBytes + spareBytes && this.queuedRequests > 1)
    ) {
      this.settle(this.take(), 'dropped_queue_full');
    }
  }

  private take(): QueuedRequest {
    const entry = this.queue[this.head]!;
    this.queue[this.head] = undefined as unknown as QueuedRequest;
    this.head++;
    this.bytes -= entry.request.body.length;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return entry;
  }

  private pump(): void {
    while (this.active < this.options.config.concurrency && this.canSend()) {
      const entry = this.take();
      this.active++;
      void this.deliver(entry).finally(() => {
        this.active--;
        this.pump();
        if (this.isIdle()) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const wake of waiters) wake();
        }
      });
    }
  }

  private async deliver(entry: QueuedRequest): Promise<void> {
    const { maxAttempts } = this.options.config;
    // Shutdown began: a spooled request that is not through waits for the next run.
    const keptAtShutdown = (): boolean => {
      if (!this.stopping || entry.spoolId === undefined) return false;
      this.count('kept_in_spool');
      this.holding = true;
      return true;
    };
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(entry.request);
      if (result.kind === 'ok') {
        this.settle(entry, 'sent');
        this.dropping = false;
        this.refusing = false;
        return;
      }
      if (result.kind === 'fatal') {
        // Once per run of refusals (the metric counts each): a token the destination no longer
        // takes refuses every export, and a line for each would flood the log.
        if (!this.refusing) {
          this.refusing = true;
          this.options.logger.warn(
            { destination: this.label, status: result.status },
            'forward rejected by destination',
          );
        }
        this.settle(entry, 'rejected');
        return;
      }
      if (keptAtShutdown()) return;
      if (attempt >= maxAttempts) {
        this.settle(entry, 'dropped_retries_exhausted');
        // Once per run of drops (the metric counts each): data is being lost, say why.
        if (!this.dropping) {
          this.dropping = true;
          this.options.logger.warn(
            { destination: this.label, attempts: attempt, err: result.reason },
            'forwarding dropped a request after its last attempt',
          );
        }
        return;
      }
      if (this.deadlinePassed) {
        this.settle(entry, 'dropped_shutdown');
        return;
      }
      this.retries++;
      const delay = Math.max(result.afterMs ?? 0, backoffDelayMs(attempt, this.options.random));
      await this.sleep(delay);
      if (keptAtShutdown()) return;
      if (this.deadlinePassed) {
        this.settle(entry, 'dropped_shutdown');
        return;
      }
    }
  }

  private async attempt(request: RawOtlpRequest): Promise<AttemptResult> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = this.options.clock.setTimeout(
      () => controller.abort(new Error(`timed out after ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    try {
      const headers: Record<string, string> = {
        ...this.extraHeaders,
        'content-type': request.contentType,
      };
      if (request.contentEncoding !== undefined) headers['content-encoding'] = request.contentEncoding;
      const response = await this.options.fetch(this.urlFor(request.signal), {
        method: 'POST',
        headers,
        body: request.body,
        signal: controller.signal,
      });
      await readResponseHead(response);
      if (response.ok) return { kind: 'ok' };
      if (RETRYABLE.has(response.status)) {
        return {
          kind: 'retry',
          afterMs: retryAfterMs(response.headers.get('retry-after'), this.options.clock.now()),
          reason: `HTTP ${response.status}`,
        };
      }
      return { kind: 'fatal', status: response.status };
    } catch (error) {
      const reason = fetchErrorText(error);
      this.options.logger.debug({ destination: this.label, err: reason }, 'forward attempt failed');
      return { kind: 'retry', afterMs: undefined, reason };
    } finally {
      this.options.clock.clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.options.clock.clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      // Ref'd: a back-off during the shutdown drain must run its course (or meet the deadline).
      const timer = this.options.clock.setTimeout(wake, ms, KEEP_ALIVE);
      this.sleepers.add(wake);
    });
  }

  private urlFor(signal: RawOtlpRequest['signal']): string {
    return urlUnder(this.base, `/v1/${signal}`);
  }

  private count(outcome: ForwardOutcome): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  /** Counts the final outcome of `entry` and deletes it from the spool. */
  private settle(entry: QueuedRequest, outcome: ForwardOutcome): void {
    this.count(outcome);
    if (entry.spoolId !== undefined) this.removeRow(entry.spoolId);
  }

  private removeRow(id: number): void {
    try {
      this.spool!.remove(id);
      this.spoolRecovered('delete');
    } catch (error) {
      // Left in the spool, the request is forwarded again after a restart: a duplicate, not a loss.
      this.spoolFailed(error, 'delete');
    }
  }

  /** Logs a spool failure once per run of failures (disk full, I/O error). */
  private spoolFailed(error: unknown, operation: 'write' | 'delete'): void {
    this.spoolFailures[operation]++;
    if (this.spoolFailing[operation]) return;
    this.spoolFailing[operation] = true;
    this.options.logger.error(
      { destination: this.label, path: this.spool!.path, operation, err: (error as Error).message },
      operation === 'write'
        ? 'forward spool cannot be written: OTLP exports are refused with 503 until it can'
        : 'forward spool cannot delete a finished request: it is sent again after a restart',
    );
  }

  /** Ends a run of failures of `operation`, saying so. */
  private spoolRecovered(operation: 'write' | 'delete'): void {
    if (!this.spoolFailing[operation]) return;
    this.spoolFailing[operation] = false;
    this.options.logger.info(
      { destination: this.label, path: this.spool!.path, operation },
      operation === 'write'
        ? 'forward spool works again: OTLP exports are accepted'
        : 'forward spool deletes work again',
    );
  }
}
