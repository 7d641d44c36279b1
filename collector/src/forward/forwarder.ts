import { type Clock, parseDuration } from '@breakwater/protocol';
import type { CollectorComponent, Logger } from '../component.ts';
import { spoolPathOf } from '../config/forward-spool.ts';
import type { ForwardConfig } from '../config/server-section.ts';
import { urlForDisplay } from '../config/url-for-display.ts';
import { writeFamily, writeSample } from '../exposition/prometheus-text.ts';
import type { ForwardIntake, HeldForward, RawOtlpRequest } from '../receive/otlp-receiver.ts';
import { Destination, FORWARD_OUTCOMES } from './destination.ts';
import { ForwardSpool } from './spool.ts';

export interface ForwarderOptions {
  destinations: readonly ForwardConfig[];
  clock: Clock;
  logger: Logger;
  /** How long `stop()` lets queues drain (from `shutdownTimeout`). */
  flushTimeout?: string;
  /** Injected for tests; the global `fetch` by default. */
  fetch?: typeof fetch;
  random?: () => number;
  /** Where a spooling destination without `spoolPath` keeps its file (the collector's `dataDir`). */
  dataDir?: string;
  /** How long opening a spool waits for another process's lock, in ms (default 5000; tests). */
  spoolLockTimeoutMs?: number;
}

/**
 * Re-posts received OTLP requests, byte for byte with their original content type and
 * encoding, to downstream OTLP/HTTP endpoints (Jaeger, Tempo, an OpenTelemetry Collector).
 * A component: exposes `breakwater_forward_*` metrics and flushes its queues on stop.
 *
 * @throws {SpoolOpenError} from the constructor when a destination's spool file is locked by
 * another process or cannot be created (an unreadable one is moved aside instead).
 */
export class Forwarder implements CollectorComponent, ForwardIntake {
  readonly name = 'forward';
  readonly destinations: readonly Destination[];
  private readonly flushTimeoutMs: number;

  constructor(options: ForwarderOptions) {
    this.flushTimeoutMs = parseDuration(options.flushTimeout ?? '5s');
    const spools = openSpools(options);
    this.destinations = options.destinations.map(
      (config, index) =>
        new Destination({
          config,
          clock: options.clock,
          logger: options.logger,
          fetch: options.fetch ?? fetch,
          random: options.random ?? Math.random,
          spool: spools[index],
        }),
    );
  }

  /** Sends what the spools kept from the previous run, before anything received now. */
  start(): void {
    for (const destination of this.destinations) destination.start();
  }

  /**
   * Writes `request` to the spool of every destination that takes its signal and keeps one
   * (see {@link ForwardIntake}); undefined, with none of its rows left behind, when a write failed.
   */
  hold(request: RawOtlpRequest): HeldForward | undefined {
    const held: [Destination, number | undefined][] = [];
    for (const destination of this.destinations) {
      if (!destination.accepts(request.signal)) continue;
      const id = destination.spoolWrite(request);
      if (id === false) {
        for (const [d, row] of held) if (row !== undefined) d.unspool(row);
        return undefined;
      }
      held.push([destination, id]);
    }
    return {
      send: () => {
        for (const [d, row] of held) d.enqueue(request, row);
      },
      drop: () => {
        for (const [d, row] of held) if (row !== undefined) d.unspool(row);
      },
    };
  }

  /**
   * Hands a request to every destination that takes its signal; never waits. False, and nothing
   * queued, when a spool cannot write it.
   */
  readonly forward = (request: RawOtlpRequest): boolean => {
    const held = this.hold(request);
    held?.send();
    return held !== undefined;
  };

  async stop(): Promise<void> {
    await Promise.all(this.destinations.map((d) => d.stop(this.flushTimeoutMs)));
  }

  writeMetrics(out: string[]): void {
    writeFamily(
      out,
      'breakwater_forward_requests_total',
      'counter',
      'Forwarded OTLP requests by final outcome.',
    );
    for (const d of this.destinations) {
      for (const outcome of FORWARD_OUTCOMES) {
        writeSample(
          out,
          'breakwater_forward_requests_total',
          { destination: d.label, outcome },
          d.outcomes.get(outcome) ?? 0,
        );
      }
    }
    writeFamily(
      out,
      'breakwater_forward_retries_total',
      'counter',
      'Forwarding attempts retried after a retryable failure.',
    );
    for (const d of this.destinations)
      writeSample(out, 'breakwater_forward_retries_total', { destination: d.label }, d.retries);
    writeFamily(out, 'breakwater_forward_queue_requests', 'gauge', 'Requests waiting to be forwarded.');
    for (const d of this.destinations) {
      writeSample(out, 'breakwater_forward_queue_requests', { destination: d.label }, d.queuedRequests);
    }
    writeFamily(out, 'breakwater_forward_queue_bytes', 'gauge', 'Bytes waiting to be forwarded.');
    for (const d of this.destinations)
      writeSample(out, 'breakwater_forward_queue_bytes', { destination: d.label }, d.queuedBytes);
    const spooling = this.destinations.filter((d) => d.spoolPath !== undefined);
    if (spooling.length === 0) return;
    // The log says it once per run of failures; a request whose write failed is refused (503),
    // so this is ingest the exporters are retrying.
    writeFamily(
      out,
      'breakwater_forward_spool_failures_total',
      'counter',
      'Forward spool writes (the export is refused with 503), deletes (sent again after a restart) and reads at start (a row left in the file, not forwarded) that failed.',
    );
    for (const d of spooling) {
      for (const operation of ['write', 'delete', 'read'] as const) {
        writeSample(
          out,
          'breakwater_forward_spool_failures_total',
          { destination: d.label, operation },
          d.spoolFailures[operation],
        );
      }
    }
  }
}

/** The spool of each destination (`undefined` where `spool` is off); all closed again on failure. */
function openSpools(options: ForwarderOptions): (ForwardSpool | undefined)[] {
  const spools: (ForwardSpool | undefined)[] = [];
  try {
    for (const [index, config] of options.destinations.entries()) {
      if (!config.spool) {
        spools.push(undefined);
        continue;
      }
      if (config.spoolPath === undefined && options.dataDir === undefined) {
        throw new Error(`forward[${index}].spool: no spoolPath and no dataDir to put the spool in`);
      }
      const spool = ForwardSpool.open({
        path: spoolPathOf(config, options.dataDir ?? ''),
        logger: options.logger,
        now: () => options.clock.now(),
        lockTimeoutMs: options.spoolLockTimeoutMs,
      });
      spools.push(spool);
      const restored = spool.restoredCount;
      options.logger.info(
        { destination: urlForDisplay(config.url), path: spool.path, restored },
        restored > 0
          ? 'forward spool opened: requests from the previous run are sent first'
          : 'forward spool opened',
      );
    }
  } catch (error) {
    for (const spool of spools) spool?.close();
    throw error;
  }
  return spools;
}
