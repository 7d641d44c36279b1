import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { type Clock, KEEP_ALIVE, parseDuration, systemClock } from '@breakwater/protocol';
import { builtInComponents, type ComponentFactory } from './built-in-components.ts';
import type { CollectorComponent, ComponentContext, Logger } from './component.ts';
import { formatListenAddress, type ListenAddress, parseListenAddress } from './config/listen-address.ts';
import { listenAuthProblem } from './config/listen-auth.ts';
import type { CollectorConfig } from './config/schema.ts';
import { selectorAttributeKeys } from './config/slo/attribute-keys.ts';
import { urlForDisplay } from './config/url-for-display.ts';
import { decodeMetricsJson } from './decode/json-metrics.ts';
import { JsonTraceDecoder } from './decode/json-traces.ts';
import { ProtoMetricsDecoder } from './decode/proto-metrics.ts';
import { ProtoTraceDecoder } from './decode/proto-traces.ts';
import { processMetricsComponent } from './exposition/process-metrics.ts';
import { Forwarder } from './forward/forwarder.ts';
import { SpoolOpenError } from './forward/spool.ts';
import { warnUnusedSpools } from './forward/unused-spools.ts';
import { Admission } from './receive/admission.ts';
import { TokenAuth } from './receive/auth.ts';
import { healthRoutes, type Phase } from './receive/health-routes.ts';
import { InFlight } from './receive/in-flight.ts';
import { IngestStats } from './receive/ingest-stats.ts';
import { metricsRoute } from './receive/metrics-route.ts';
import { OtlpReceiver } from './receive/otlp-receiver.ts';
import { Router } from './receive/router.ts';
import { serverTimeouts } from './receive/server-timeouts.ts';
import { fileErrorReason } from './store/file-access.ts';

export type { ComponentFactory };

export interface ServiceOptions {
  config: CollectorConfig;
  logger: Logger;
  clock?: Clock;
  /** Replaces the built-in components ({@link builtInComponents}). */
  components?: readonly ComponentFactory[];
  /** Appended after the built-in components. */
  extraComponents?: readonly ComponentFactory[];
  /** `fetch` used by the forwarder (tests). */
  fetch?: typeof fetch;
}

/**
 * The service cannot start: `config` when the configuration is unsafe or inconsistent (e.g. a
 * public listener without tokens), `runtime` when the environment refused (port in use).
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  readonly kind: 'config' | 'runtime';

  constructor(message: string, kind: 'config' | 'runtime') {
    super(message);
    this.kind = kind;
  }
}

/**
 * The collector service: one HTTP listener routing to the OTLP receiver, health, `/metrics`
 * and every component's routes; components receive decoded spans and breaker states.
 *
 * Lifecycle: listen (liveness answers at once) → start components in order → ready. Shutdown:
 * stop accepting and refuse new exports → wait for in-flight requests (up to `shutdownTimeout`)
 * → stop components in reverse order (they flush) → close every connection.
 */
export class CollectorService {
  readonly components: readonly CollectorComponent[];
  readonly address: ListenAddress;
  private readonly server: Server;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly inFlight: InFlight;
  private readonly shutdownTimeoutMs: number;
  private phase: Phase = 'starting';
  private stopping: Promise<void> | undefined;

  private constructor(
    server: Server,
    address: ListenAddress,
    components: readonly CollectorComponent[],
    logger: Logger,
    clock: Clock,
    inFlight: InFlight,
    shutdownTimeoutMs: number,
  ) {
    this.server = server;
    this.address = address;
    this.components = components;
    this.logger = logger;
    this.clock = clock;
    this.inFlight = inFlight;
    this.shutdownTimeoutMs = shutdownTimeoutMs;
  }

  /** Base URL of the listener, e.g. `http://127.0.0.1:4318`. */
  get url(): string {
    return `http://${formatListenAddress(this.address)}`;
  }

  get state(): Phase {
    return this.phase;
  }

  /** Starts the service; resolves once it is listening and every component started. */
  static async start(options: ServiceOptions): Promise<CollectorService> {
    const { config, logger } = options;
    const clock = options.clock ?? systemClock;
    const listen = parseListenAddress(config.listen);
    if (typeof listen === 'string') throw new StartupError(`listen: ${listen}`, 'config');
    // parseConfig already rejects this; kept for configs built without it (same message).
    const unprotected = listenAuthProblem(config.listen, config.auth.tokens);
    if (unprotected !== undefined) throw new StartupError(unprotected, 'config');
    const dataDir = resolve(config.dataDir);
    try {
      await mkdir(dataDir, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = fileErrorReason(code) ?? code ?? (error as Error).message;
      throw new StartupError(`cannot create dataDir ${dataDir}: ${reason}`, 'runtime');
    }
    const context: ComponentContext = { config, clock, logger, dataDir };

    const components: CollectorComponent[] = [];
    try {
      return await CollectorService.startWith(options, context, listen, components);
    } catch (error) {
      // A start that fails part-way (a store in use, the port taken, a component that would not
      // start) releases what it made, started or not: its stores and spool files stay locked
      // otherwise, and a second start in this process would find them in use.
      await stopAll([...components].reverse(), logger);
      throw error;
    }
  }

  /** {@link start} past the checks; every component it makes goes into `components` at once. */
  private static async startWith(
    options: ServiceOptions,
    context: ComponentContext,
    listen: ListenAddress,
    components: CollectorComponent[],
  ): Promise<CollectorService> {
    const { config, logger, clock, dataDir } = context;
    for (const factory of [
      ...(options.components ?? builtInComponents()),
      ...(options.extraComponents ?? []),
    ]) {
      // Each component names itself in its logs (`logger.child({ component })`); a name added
      // here as well would print the key twice.
      components.push(await factory(context));
    }
    components.push(processMetricsComponent());
    let forwarder: Forwarder | undefined;
    if (config.forward.length > 0) {
      try {
        forwarder = new Forwarder({
          destinations: config.forward,
          clock,
          logger: logger.child({ component: 'forward' }),
          flushTimeout: config.shutdownTimeout,
          fetch: options.fetch,
          dataDir,
        });
      } catch (error) {
        // A spool file locked by another collector: reported like a store in use.
        if (error instanceof SpoolOpenError) throw new StartupError(error.message, 'runtime');
        throw error;
      }
      // First, so it stops last: a request abandoned at the shutdown timeout that still commits
      // while the components stop is answered 200, and its forward must find the forwarder
      // running (queued, or kept in the spool), not dropped.
      components.unshift(forwarder);
    }
    warnUnusedSpools(
      dataDir,
      forwarder?.destinations.flatMap((d) => d.spoolPath ?? []) ?? [],
      logger.child({ component: 'forward' }),
    );

    const extraKeys = new Set(selectorAttributeKeys(config));
    const protoTraces = new ProtoTraceDecoder(extraKeys);
    const jsonTraces = new JsonTraceDecoder(extraKeys);
    const protoMetrics = new ProtoMetricsDecoder();
    const admission = new Admission(config.limits.maxInFlightRequests, config.limits.maxInFlightBytes);
    const stats = new IngestStats(admission);
    const inFlight = new InFlight();
    const auth = new TokenAuth(config.auth.tokens);
    const router = new Router(auth, logger, clock);

    let service: CollectorService | undefined;
    const phase = (): Phase => service?.phase ?? 'starting';
    const receiver = new OtlpReceiver({
      limits: config.limits,
      clock,
      logger: logger.child({ component: 'receiver' }),
      admission,
      stats,
      traces: {
        protobuf: (b, maxSpans) => protoTraces.decode(b, maxSpans),
        json: (b, maxSpans) => jsonTraces.decode(b, maxSpans),
      },
      metrics: { protobuf: (b) => protoMetrics.decode(b), json: (b) => decodeMetricsJson(b) },
      spanSinks: components.flatMap((c) => (c.spanSink ? [c.spanSink] : [])),
      breakerSinks: components.flatMap((c) => (c.breakerStateSink ? [c.breakerStateSink] : [])),
      forward: forwarder,
      unavailable: () => {
        const now = phase();
        if (now === 'ready') return undefined;
        return now === 'starting' ? 'collector is starting' : 'collector is shutting down';
      },
    });
    router.add(healthRoutes(phase), 'service');
    router.add(receiver.routes(), 'receiver');
    router.add(
      [
        metricsRoute([
          (out) => stats.write(out),
          (out) => router.writeMetrics(out),
          ...components.flatMap((c) => (c.writeMetrics ? [(out: string[]) => c.writeMetrics!(out)] : [])),
        ]),
      ],
      'service',
    );
    for (const component of components) router.add(component.routes ?? [], component.name);

    const server = createServer(serverTimeouts(config.limits), (req, res) => {
      // Every route's requests, not only exports: a rollback event or a gate webhook being
      // answered needs the components shutdown would stop. A stream counts until its headers
      // are out, as its handler returns then.
      void inFlight.track(router.dispatch(req, res));
    });
    server.on('close', () => router.close());
    await listenOn(server, listen);
    const bound = server.address() as AddressInfo;
    service = new CollectorService(
      server,
      { host: listen.host, port: bound.port },
      components,
      logger,
      clock,
      inFlight,
      parseDuration(config.shutdownTimeout),
    );
    try {
      for (const component of components) await component.start?.();
    } catch (error) {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      throw error;
    }
    service.phase = 'ready';
    logger.info(
      {
        url: service.url,
        auth: auth.enabled,
        components: components.map((c) => c.name),
        forward: config.forward.map((f) => urlForDisplay(f.url)),
      },
      'collector ready',
    );
    return service;
  }

  /**
   * Graceful shutdown (idempotent): stop accepting, finish in-flight requests, stop components
   * (they flush), close connections.
   */
  shutdown(): Promise<void> {
    this.stopping ??= this.doShutdown();
    return this.stopping;
  }

  private async doShutdown(): Promise<void> {
    this.phase = 'draining';
    this.logger.info({ inFlight: this.inFlight.size }, 'shutting down');
    const closed = new Promise<void>((done) => this.server.close(() => done()));
    this.server.closeIdleConnections();
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const timedOut = await Promise.race([
      this.inFlight.idle().then(() => false),
      new Promise<boolean>((done) => {
        // Ref'd: the deadline must fire even when nothing else keeps the process alive.
        timer = this.clock.setTimeout(() => done(true), this.shutdownTimeoutMs, KEEP_ALIVE);
      }),
    ]);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    if (timedOut)
      this.logger.warn({ inFlight: this.inFlight.size }, 'shutdown timeout: abandoning in-flight requests');
    await stopAll([...this.components].reverse(), this.logger);
    this.server.closeAllConnections();
    await closed;
    this.phase = 'stopped';
    this.logger.info({}, 'collector stopped');
  }
}

async function stopAll(components: readonly CollectorComponent[], logger: Logger): Promise<void> {
  for (const component of components) {
    try {
      await component.stop?.();
    } catch (error) {
      logger.error({ err: error, component: component.name }, 'component failed to stop');
    }
  }
}

function listenOn(server: Server, address: ListenAddress): Promise<void> {
  return new Promise((resolveListen, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'the address is already in use'
          : error.code === 'EADDRNOTAVAIL'
            ? 'the address is not available on this machine'
            : error.code === 'EACCES'
              ? 'permission denied'
              : error.message;
      reject(new StartupError(`cannot listen on ${formatListenAddress(address)}: ${why}`, 'runtime'));
    };
    server.once('error', onError);
    server.listen(address.port, address.host, () => {
      server.off('error', onError);
      resolveListen();
    });
  });
}
