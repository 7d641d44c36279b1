import type { Clock, TimerHandle } from '@breakwater/protocol';
import type { Logger } from '../component.ts';
import { urlUnder, withoutHeaders } from '../config/http-url.ts';
import type { CollectorConfig } from '../config/schema.ts';
import { urlForDisplay } from '../config/url-for-display.ts';
import { fetchErrorText } from '../fetch-error.ts';
import { htmlPageText, htmlPageTitle } from '../html-page.ts';
import { readResponseHead } from '../response-head.ts';
import type { DesiredAlert } from './alerts.ts';

/** Set from the body on every delivery: a configured spelling would be joined with it. */
const CONTENT_TYPE: ReadonlySet<string> = new Set(['content-type']);

/** Options of {@link AlertmanagerPusher}. */
export interface AlertmanagerPusherOptions {
  /** Alertmanager base URL; alerts are posted to `<url>/api/v2/alerts`. */
  url: string;
  clock: Clock;
  logger: Logger;
  /** Firing alerts are re-sent this often (default 60 s). */
  resendIntervalMs?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** First retry delay after a failed delivery; doubles per failure (default 1 s). */
  initialBackoffMs?: number;
  /** Longest retry delay (default 60 s). */
  maxBackoffMs?: number;
  generatorUrl?: string;
  /** Extra request headers (`alertmanager.headers`), on deliveries and readiness probes. */
  headers?: Readonly<Record<string, string>>;
  /** Jitter source (0 ≤ x < 1); injectable for deterministic tests. */
  random?: () => number;
  /**
   * While nothing is firing or being resolved, ask Alertmanager whether it is ready
   * (`GET <url>/-/ready`) on an {@link AlertmanagerPusher.update} at least this long after the
   * last contact, so a wrong URL or a down Alertmanager shows before the first page has to go
   * out ({@link PusherStats.reachable}). 0 (the default): never.
   */
  probeIntervalMs?: number;
}

/** A pusher for the `alertmanager` config section; `undefined` when it names no URL. */
export function alertmanagerPusherFrom(
  am: CollectorConfig['alertmanager'],
  clock: Clock,
  logger: Logger,
  probe = false,
): AlertmanagerPusher | undefined {
  if (am.url === undefined) return undefined;
  return new AlertmanagerPusher({
    url: am.url,
    clock,
    logger,
    resendIntervalMs: am.resendInterval,
    timeoutMs: am.timeout,
    probeIntervalMs: probe ? am.resendInterval : 0,
    ...(am.generatorUrl === undefined ? {} : { generatorUrl: am.generatorUrl }),
    headers: am.headers,
  });
}

interface Tracked {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Left firing by an earlier run ({@link AlertmanagerPusher.resume}): not sent by this one yet. */
  resumed?: true;
  /** Set once resolved; the alert is forgotten after a delivery that carried it. */
  endsAt?: number;
}

/** An alert Alertmanager may still hold as firing, as a later run must {@link AlertmanagerPusher.resume} it. */
export interface RemainingAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Delivery counters, for `/metrics` and tests. */
export interface PusherStats {
  deliveries: number;
  /** Failed deliveries (network, timeout, 5xx, 408, 429): retried with backoff. */
  failures: number;
  /** Batches Alertmanager refused with another 4xx: not retried (see {@link AlertmanagerPusher}). */
  rejections: number;
  consecutiveFailures: number;
  lastError: string | undefined;
  firing: number;
  pendingResolutions: number;
  /**
   * Whether Alertmanager answered the last contact (a delivery, refused or not, or a probe);
   * undefined before the first.
   */
  reachable: boolean | undefined;
}

/**
 * Pushes alerts to Alertmanager's API v2 (`POST /api/v2/alerts`). Give it the set of alerts that
 * should fire after every evaluation ({@link update}); it posts new ones at once, re-sends firing
 * ones every `resendIntervalMs`, and sends an alert that stopped firing once more with `endsAt`
 * so Alertmanager resolves it.
 *
 * Firing alerts carry neither `startsAt` nor `endsAt`: Alertmanager stamps its own receipt time as
 * the start (keeping the earliest over re-sends) and keeps them for its `resolve_timeout` (5 m by
 * default) from then, so a collector that dies stops paging by itself and no clock skew between the
 * two hosts can resolve an alert early or have it refused (a `startsAt` from a clock more than
 * `resolve_timeout` ahead would end after Alertmanager's `endsAt`: refused with 400). A resolution
 * carries only `endsAt`, the collector's now, so it never ends before a start it stated.
 *
 * Never blocks the caller: deliveries run in the background, one at a time; a failed delivery is
 * retried after an exponential backoff with jitter, on the injected clock, carrying whatever is
 * current by then. A batch Alertmanager refuses with a 4xx other than 408 and 429 is not retried:
 * the same batch would be refused again and hold back every later change. Alertmanager keeps the
 * valid alerts of a refused batch; its resolutions are dropped (Alertmanager resolves those alerts
 * after its `resolve_timeout`) and firing alerts go again on the resend interval. Each refusal is
 * logged as an error and counted in {@link PusherStats.rejections}.
 */
export class AlertmanagerPusher {
  private readonly endpoint: string;
  private readonly readyEndpoint: string;
  /** The endpoints as logs name them: a proxy's `?token=` in `url` stays out of every log line. */
  private readonly shown: { endpoint: string; ready: string };
  private readonly options: Required<Omit<AlertmanagerPusherOptions, 'generatorUrl'>> & {
    generatorUrl?: string;
  };
  private readonly alerts = new Map<string, Tracked>();
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private sendAgain = false;
  private stopped = false;
  private probing: Promise<void> | undefined;
  private probeAbort: AbortController | undefined;
  /** Monotonic time of the last answer or failure, delivery or probe. */
  private lastContactMs = Number.NEGATIVE_INFINITY;
  private reachable: boolean | undefined;
  private readonly counters = {
    deliveries: 0,
    failures: 0,
    rejections: 0,
    consecutiveFailures: 0,
    lastError: undefined as string | undefined,
  };

  constructor(options: AlertmanagerPusherOptions) {
    this.endpoint = urlUnder(options.url, '/api/v2/alerts');
    this.readyEndpoint = urlUnder(options.url, '/-/ready');
    this.shown = { endpoint: urlForDisplay(this.endpoint), ready: urlForDisplay(this.readyEndpoint) };
    this.options = {
      probeIntervalMs: 0,
      resendIntervalMs: 60_000,
      timeoutMs: 10_000,
      initialBackoffMs: 1_000,
      maxBackoffMs: 60_000,
      random: Math.random,
      headers: {},
      ...options,
    };
  }

  /** Replaces the set of alerts that should be firing. */
  update(desired: readonly DesiredAlert[]): void {
    if (this.stopped) return;
    const now = this.options.clock.now();
    let changed = false;
    const seen = new Set<string>();
    for (const alert of desired) {
      const key = fingerprint(alert.labels);
      seen.add(key);
      const known = this.alerts.get(key);
      if (known === undefined || known.endsAt !== undefined || known.resumed) {
        this.alerts.set(key, { labels: alert.labels, annotations: alert.annotations });
        changed = true;
      } else known.annotations = alert.annotations;
    }
    for (const [key, tracked] of this.alerts) {
      if (!seen.has(key) && tracked.endsAt === undefined) {
        tracked.endsAt = now;
        changed = true;
      }
    }
    if (changed) this.deliverSoon();
    else this.probeIfIdle();
  }

  /**
   * Takes over alerts an earlier run left firing (their label sets, as pushed): the next
   * {@link update} sends those still desired as usual and resolves the others, which Alertmanager
   * would otherwise keep until its `resolve_timeout`. Call it before the first update.
   */
  resume(firing: readonly RemainingAlert[]): void {
    for (const { labels, annotations } of firing) {
      const key = fingerprint(labels);
      // With its annotations: Alertmanager keeps the latest post's, so the resolved notice
      // would otherwise say nothing of what it was about.
      if (!this.alerts.has(key))
        this.alerts.set(key, { labels: { ...labels }, annotations: { ...annotations }, resumed: true });
    }
  }

  /**
   * The label sets Alertmanager may still hold as firing from this pusher: the alerts firing, and
   * those stopped whose resolution it has not taken yet (a delivery failing, or cut short by
   * {@link stop}). What a later run must {@link resume}, so none is left to `resolve_timeout`.
   */
  unresolved(): RemainingAlert[] {
    return [...this.alerts.values()].map(({ labels, annotations }) => ({ labels, annotations }));
  }

  /** Delivery counters. */
  get stats(): PusherStats {
    let firing = 0;
    let pendingResolutions = 0;
    for (const a of this.alerts.values()) a.endsAt === undefined ? firing++ : pendingResolutions++;
    return { ...this.counters, firing, pendingResolutions, reachable: this.reachable };
  }

  /** Resolves when no delivery is running (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight !== undefined || this.probing !== undefined) {
      await this.inFlight;
      await this.probing;
    }
  }

  /**
   * Stops re-sending and retrying. Firing alerts are not resolved: after a restart the collector
   * restores its windows and re-sends them; if it stays down, Alertmanager's timeout resolves them.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    this.probeAbort?.abort();
    await this.idle();
  }

  private deliverSoon(): void {
    // While Alertmanager is unreachable, changes wait for the pending retry instead of
    // cutting the backoff short.
    if (this.counters.consecutiveFailures > 0 && this.timer !== undefined) return;
    if (this.inFlight !== undefined) {
      this.sendAgain = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (delayMs <= 0) {
      // A delivery may start the next one before it settles; only clear the slot if it is ours.
      const delivery: Promise<void> = this.deliver().finally(() => {
        if (this.inFlight === delivery) this.inFlight = undefined;
      });
      this.inFlight = delivery;
      return;
    }
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.inFlight !== undefined) this.sendAgain = true;
      else this.schedule(0);
    }, delayMs);
  }

  private async deliver(): Promise<void> {
    // What was sent, as it was sent: entries may change (e.g. get resolved) while in flight.
    const batch = [...this.alerts.entries()].map(([key, alert]) => ({ key, alert, endsAt: alert.endsAt }));
    if (batch.length === 0) return;
    this.sendAgain = false;
    const body = JSON.stringify(
      batch.map(({ alert: a, endsAt }) => ({
        labels: a.labels,
        annotations: a.annotations,
        ...(endsAt === undefined ? {} : { endsAt: new Date(endsAt).toISOString() }),
        ...(this.options.generatorUrl === undefined ? {} : { generatorURL: this.options.generatorUrl }),
      })),
    );
    const { error, status } = await this.request(
      this.endpoint,
      {
        method: 'POST',
        headers: {
          ...withoutHeaders(this.options.headers, CONTENT_TYPE),
          'content-type': 'application/json',
        },
        body,
      },
      (abort) => {
        this.abort = abort;
      },
    );
    if (this.stopped) return;
    const rejected = status !== undefined && isRejection(status);
    this.contact(error === undefined || rejected);
    if (error === undefined || rejected) {
      if (error === undefined) this.counters.deliveries++;
      else {
        this.counters.rejections++;
        this.counters.lastError = error;
        this.options.logger.error(
          { endpoint: this.shown.endpoint, error, alerts: batch.length },
          'alertmanager rejected the alerts; not retried (firing ones are sent again on the resend interval)',
        );
      }
      this.counters.consecutiveFailures = 0;
      // Resolutions that went out are done; anything that changed meanwhile is still here.
      for (const { key, alert, endsAt } of batch) {
        if (endsAt !== undefined && this.alerts.get(key) === alert) this.alerts.delete(key);
      }
      if (this.sendAgain) this.schedule(0);
      else if (this.hasFiring()) this.schedule(this.options.resendIntervalMs);
      return;
    }
    this.counters.failures++;
    this.counters.consecutiveFailures++;
    this.counters.lastError = error;
    const backoff = Math.min(
      this.options.maxBackoffMs,
      this.options.initialBackoffMs * 2 ** (this.counters.consecutiveFailures - 1),
    );
    // Equal jitter: between half and all of the backoff, so many collectors do not retry in step.
    const delay = Math.round(backoff / 2 + (backoff / 2) * this.options.random());
    this.options.logger.warn(
      { endpoint: this.shown.endpoint, error, retryInMs: delay, alerts: batch.length },
      'alertmanager delivery failed',
    );
    this.sendAgain = false;
    this.schedule(delay);
  }

  /** Probes readiness when nothing is tracked or under way and the last contact is old enough. */
  private probeIfIdle(): void {
    const { probeIntervalMs, clock } = this.options;
    if (probeIntervalMs <= 0 || this.stopped || this.alerts.size > 0) return;
    if (this.inFlight !== undefined || this.timer !== undefined || this.probing !== undefined) return;
    if (clock.monotonic() - this.lastContactMs < probeIntervalMs) return;
    const probe: Promise<void> = this.probe().finally(() => {
      if (this.probing === probe) this.probing = undefined;
    });
    this.probing = probe;
  }

  private async probe(): Promise<void> {
    const { error } = await this.request(
      this.readyEndpoint,
      { headers: { ...this.options.headers } },
      (abort) => {
        this.probeAbort = abort;
      },
    );
    if (this.stopped) return;
    const { logger } = this.options;
    const before = this.reachable;
    this.contact(error === undefined);
    // Said on a change only: the probe repeats every interval while nothing fires.
    if (error !== undefined && before !== false)
      logger.warn(
        { endpoint: this.shown.ready, error },
        'alertmanager is not reachable or not ready: the next alert would not be delivered (check alertmanager.url)',
      );
    else if (error === undefined && before === false)
      logger.info({ endpoint: this.shown.ready }, 'alertmanager is reachable again');
  }

  /**
   * One request, aborted after `timeoutMs` on the injected clock; `track` holds its controller
   * while it runs (so {@link stop} can abort it). `status` is set for an answer other than 2xx.
   */
  private async request(
    url: string,
    init: RequestInit,
    track: (abort: AbortController | undefined) => void,
  ): Promise<{ error?: string; status?: number }> {
    const { clock, timeoutMs } = this.options;
    const abort = new AbortController();
    track(abort);
    const timeout = clock.setTimeout(
      () => abort.abort(new Error(`timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const res = await fetch(url, { ...init, signal: abort.signal });
      // Only the start of an error is told, and only that much is read (see readResponseHead).
      const text = (await readResponseHead(res, 4096)).toString('utf8');
      if (res.ok) return {};
      // A proxy's own error page (Alertmanager down behind it) is told by its title, not its markup.
      const page = htmlPageTitle(text);
      const said = page === undefined ? text.slice(0, 200) : `${htmlPageText(page)}, from a proxy in front`;
      return { error: `HTTP ${res.status}: ${said}`, status: res.status };
    } catch (e) {
      return { error: fetchErrorText(e) };
    } finally {
      clock.clearTimeout(timeout);
      track(undefined);
    }
  }

  private contact(answered: boolean): void {
    this.lastContactMs = this.options.clock.monotonic();
    this.reachable = answered;
  }

  private hasFiring(): boolean {
    for (const a of this.alerts.values()) if (a.endsAt === undefined) return true;
    return false;
  }
}

/**
 * Whether an HTTP status refuses the batch itself (a 4xx), so sending it again cannot succeed.
 * 408 (timeout) and 429 (rate limited) say "later", not "never".
 */
function isRejection(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** A stable identity for a label set (order-independent). */
export function fingerprint(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}
