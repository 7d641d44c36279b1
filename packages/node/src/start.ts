/**
 * `start()`: one call that sets up OpenTelemetry (NodeSDK, OTLP/HTTP trace and metric export,
 * OTLP log export, optional Prometheus endpoint, resource), the Breakwater runtime and
 * instrumentations, and the fleet control client. It never throws into the app: a problem is
 * logged and the app runs on, uninstrumented if need be.
 */
import {
  breakwaterInstrumentations,
  CLIENT_PACKAGES,
  installRuntime,
  PolicyResolver,
  type Runtime,
} from '@breakwater/instrumentation';
import { validateClassifierRules } from '@breakwater/resilience';
import { logs, metrics, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { checkStartOptions } from './check-options.ts';
import { type ControlHandle, overrideTarget, startControl } from './control-hook.ts';
import { claimControl, controlOwner, releaseControl } from './control-owner.ts';
import { loadClientModules, runtimeHooksEsm } from './esm-clients-without-hooks.ts';
import { type MissingEsmHook, missingEsmHook, missingEsmHookMessage } from './esm-entry-warning.ts';
import { esmHook, interceptInEsm } from './esm-hook-modules.ts';
import { reportingFailures } from './export-failures.ts';
import { PeriodicMetrics, SpanBatches } from './flush-unless-failing.ts';
import { claimInstanceId } from './instance-id.ts';
import { type ClientInstrumentations, type ClientModules, instrumentModules } from './instrument-modules.ts';
import { logRecordProcessors } from './log-processors.ts';
import {
  parseResourceAttributes,
  type ResolvedOptions,
  resolveChecked,
  type StartOptions,
} from './options.ts';
import { otherProvidersWarning } from './other-providers.ts';
import { resourceDetectors } from './resource.ts';
import { safeLogger } from './safe-logger.ts';
import { type InEffect, ignoredMessage, ignoredOptions, type StartedBy } from './second-start.ts';
import { installSignalHandlers } from './signals.ts';
import { SizedExporter } from './sized-export.ts';

/** What {@link start} returns. */
export interface Breakwater {
  /** The resolved settings (service identity, endpoints). */
  readonly options: ResolvedOptions;
  /** The Breakwater runtime (policies, breakers); undefined if start-up failed. */
  readonly runtime: Runtime | undefined;
  /**
   * Exports what is buffered now (spans, metrics, log records) and waits for it, each export
   * bounded by its timeout; a signal whose exports are failing is left to the background export
   * instead of waited on (see "Guarantees" in the README). Never rejects.
   */
  forceFlush(): Promise<void>;
  /** Flushes, stops exporting and closes the control client and Prometheus endpoint. Never rejects. */
  shutdown(): Promise<void>;
  /**
   * Instruments client modules that no module hook sees: `openai` or `@anthropic-ai/sdk` bundled
   * into the app (esbuild, webpack), or an ES module app's imports without the loader hook. Give
   * each module namespace (`import * as openai from 'openai'`) before the client's first call;
   * from then on its calls run as if the hook had patched them. A module patched already is left
   * as it is. Never throws: a value that is not a client module namespace is logged.
   *
   * @example
   * import * as openai from 'openai';
   * start().instrument({ openai });
   */
  instrument(modules: ClientModules): void;
}

/** What `start()` keeps for the process. */
interface StartState {
  /**
   * The instance, who started it and with what (to tell a later `start()` which of its options
   * are ignored).
   */
  started: { handle: Breakwater; by: StartedBy; inEffect: InEffect } | undefined;
  /** Warnings already given to later calls: each is said once. */
  readonly toldLater: Set<string>;
  /** Set by the first instance's shutdown: the OpenTelemetry globals stay registered to it. */
  shutDown: boolean;
}

/**
 * Kept on `globalThis` under a registered symbol, so every copy of this package in the process
 * shares it: an app bundled with a copy of its own (esbuild, webpack) and run under `--import
 * @breakwater/node/register` (the copy in node_modules) calls `start()` in the second copy, which
 * must return the running instance rather than start a second SDK beside it.
 */
const STATE_KEY = Symbol.for('@breakwater/node.start');
const holder = globalThis as { [STATE_KEY]?: StartState };
holder[STATE_KEY] ??= { started: undefined, toldLater: new Set(), shutDown: false };
const state: StartState = holder[STATE_KEY];

/**
 * Span processors: the OTLP export (one batch processor with a bounded queue and a bounded export
 * timeout, whose flush skips a failing export: flush-unless-failing.ts) unless
 * `OTEL_TRACES_EXPORTER=none`, then the app's own.
 */
function spanProcessors(o: ResolvedOptions): SpanProcessor[] {
  const own = [...o.spanProcessors];
  if (o.tracesExporter === 'none') return own;
  const health = { failing: false };
  const exporter = reportingFailures(
    new OTLPTraceExporter({
      ...(o.tracesUrl !== undefined ? { url: o.tracesUrl } : {}),
      ...(o.headers !== undefined ? { headers: { ...o.headers } } : {}),
      timeoutMillis: o.limits.tracesTimeoutMs,
      concurrencyLimit: spanExportConcurrency(o),
    }),
    'span',
    o.logger,
    health,
  );
  // Every value is resolved from its standard variable first (see ExportLimits): an explicit
  // value here would otherwise silently override the environment.
  return [
    new SpanBatches(
      {
        exporter: new SizedExporter(exporter),
        maxQueueSize: o.maxQueueSize,
        maxExportBatchSize: o.limits.maxExportBatchSize,
        scheduledDelayMillis: o.limits.spanDelayMs,
        exportTimeoutMillis: o.limits.spanBatchTimeoutMs,
      },
      health,
    ),
    ...own,
  ];
}

/**
 * How many span exports may be in flight at once. A flush (`forceFlush`, shutdown) sends the whole
 * queue at once, a batch per request, beside the batch the processor may be sending already; a
 * lower limit fails the flush, and a shutdown on SIGTERM then loses every queued span. Exports the
 * processor gave up on (its batch timeout shorter than the request timeout) may still be running
 * too. The queue already bounds what is held in memory; this bounds the requests.
 */
function spanExportConcurrency(o: ResolvedOptions): number {
  const { maxExportBatchSize, tracesTimeoutMs, spanBatchTimeoutMs } = o.limits;
  const flush = Math.ceil(o.maxQueueSize / maxExportBatchSize);
  const abandoned = Math.ceil(tracesTimeoutMs / spanBatchTimeoutMs);
  return flush + abandoned + 1;
}

function metricReaders(o: ResolvedOptions): IMetricReader[] {
  const readers: IMetricReader[] = [];
  if (o.metricsExporter === 'otlp') {
    const health = { failing: false };
    readers.push(
      new PeriodicMetrics(
        {
          exporter: reportingFailures(
            new OTLPMetricExporter({
              ...(o.metricsUrl !== undefined ? { url: o.metricsUrl } : {}),
              ...(o.headers !== undefined ? { headers: { ...o.headers } } : {}),
              timeoutMillis: o.limits.metricsTimeoutMs,
              concurrencyLimit: 2,
            }),
            'metric',
            o.logger,
            health,
          ),
          exportIntervalMillis: o.metricIntervalMs,
          exportTimeoutMillis: Math.min(o.limits.metricReaderTimeoutMs, o.metricIntervalMs),
        },
        health,
      ),
    );
  }
  if (o.prometheusPort !== undefined) {
    readers.push(
      new PrometheusExporter({ port: o.prometheusPort, host: o.prometheusHost }, (error) => {
        if (error) o.logger(`Prometheus endpoint failed to start: ${String(error)}`);
      }),
    );
  }
  return readers;
}

async function quietly(
  step: Promise<unknown> | undefined,
  logger: (m: string) => void,
  what: string,
): Promise<void> {
  try {
    await step;
  } catch (error) {
    logger(`${what} failed: ${String(error)}`);
  }
}

/**
 * The process-wide runtime. Policies that fail their checks are logged and left out: the calls
 * then run under the default policies, still traced and still following the fleet's signals.
 */
function configureRuntime(
  options: StartOptions,
  resolved: ResolvedOptions,
  log: (message: string) => void,
): Runtime {
  const runtimeOptions = {
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    ...(options.captureMessageContent !== undefined
      ? { captureMessageContent: options.captureMessageContent }
      : {}),
    // Resolved here, so a bad BREAKWATER_CAPTURE_MAX_BYTES is told to `logger` with the other
    // variables (the runtime, reading it itself, tells only OpenTelemetry's diag, silent by default).
    captureMaxBytes: resolved.captureMaxBytes,
    meter: metrics.getMeter('@breakwater/resilience'),
  };
  const policies = checked(
    options.policies,
    (p) => new PolicyResolver(p),
    log,
    'policies',
    'the default policies',
  );
  const classifierRules = checked(
    options.classifierRules,
    (rules) => validateClassifierRules(rules, 'classifierRules'),
    log,
    'classifierRules',
    'the built-in classification only',
  );
  return installRuntime(START_OWNER, {
    ...runtimeOptions,
    ...(policies === undefined ? {} : { policies }),
    ...(classifierRules === undefined ? {} : { classifierRules }),
    // Checked field by field already (check-options.ts).
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    warn: log,
  });
}

/** How the runtime's owner is named in the warning should the app replace it (configureBreakwater). */
const START_OWNER = "@breakwater/node's start()";

/** `given` when `check` accepts it; otherwise logged (`start()` never throws) and left out. */
function checked<T>(
  given: T | undefined,
  check: (given: T) => unknown,
  log: (message: string) => void,
  name: string,
  instead: string,
): T | undefined {
  if (given === undefined) return undefined;
  try {
    check(given);
    return given;
  } catch (error) {
    log(
      `${name} refused, running with ${instead}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}

/**
 * Starts Breakwater for this process. Calling it again returns the first instance, also after
 * its `shutdown()`: the OpenTelemetry API registers its global providers once per process, so a
 * second SDK would export nothing. Such a call's options are ignored: it logs which (unless they
 * are what is in effect already) and why, once.
 *
 * @example
 * import { start } from '@breakwater/node';
 * start({ serviceName: 'support-agent' });
 */
export function start(given: StartOptions = {}): Breakwater {
  return startAs(given, 'start');
}

/** {@link start}, saying who calls it (`register` for `--import @breakwater/node/register`). */
export function startAs(given: StartOptions, by: StartedBy): Breakwater {
  const { started, toldLater } = state;
  if (started !== undefined) {
    const log =
      typeof given?.logger === 'function' ? safeLogger(given.logger) : started.inEffect.resolved.logger;
    if (state.shutDown) {
      log('start() after shutdown(): Breakwater starts once per process and stays shut down');
    } else {
      const ignored = ignoredOptions(given, started.inEffect);
      const message = ignoredMessage(ignored, started.by);
      if (ignored.length > 0 && !toldLater.has(message)) {
        toldLater.add(message);
        log(message);
      }
    }
    return started.handle;
  }
  // Each option of the wrong type, out of range or unknown is logged here and left out.
  const options = checkStartOptions(given);
  const resolved = resolveChecked(options);
  const log = resolved.logger;
  // Before the app starts workers, threads or child processes: they inherit the id from the
  // environment and must export under ids of their own (instance-id.ts).
  claimInstanceId(
    options.serviceInstanceId,
    parseResourceAttributes(process.env.OTEL_RESOURCE_ATTRIBUTES)['service.instance.id'],
    process.env,
  );
  let sdk: NodeSDK | undefined;
  let runtime: Runtime | undefined;
  let control: ControlHandle | undefined;
  let clients: ClientInstrumentations;
  /** Client packages handed to `instrument()` and patched. */
  const instrumented = new Set<string>();
  try {
    if (options.openaiAliases !== undefined)
      interceptAliasesInEsm('openaiAliases', options.openaiAliases, log);
    if (options.anthropicAliases !== undefined)
      interceptAliasesInEsm('anthropicAliases', options.anthropicAliases, log);
    // Without module hooks (Bun) there is no hook to point to: the clients are patched below,
    // and one that is not is told at its first request (BREAKWATER_UNINSTRUMENTED_CLIENT).
    const noHook = runtimeHooksEsm() ? missingEsmHook() : undefined;
    if (noHook !== undefined) tellMissingHookLater(noHook, instrumented, log);
    const otherProviders = otherProvidersWarning();
    if (otherProviders !== undefined) log(otherProviders);
    const logProcessors = logRecordProcessors(resolved);
    clients = breakwaterInstrumentations({
      ...(options.captureMessageContent !== undefined
        ? { captureMessageContent: options.captureMessageContent }
        : {}),
      ...(options.openaiAliases !== undefined ? { openaiAliases: options.openaiAliases } : {}),
      ...(options.anthropicAliases !== undefined ? { anthropicAliases: options.anthropicAliases } : {}),
    });
    sdk = new NodeSDK({
      // The resolved identity must win over detected attributes; see resource.ts.
      resourceDetectors: resourceDetectors(resolved),
      spanProcessors: spanProcessors(resolved),
      metricReaders: metricReaders(resolved),
      // None (OTEL_LOGS_EXPORTER=none): left to the SDK, which then registers no logger provider
      // (given an empty list, it would register one that drops every record at a cost).
      ...(logProcessors.length > 0 ? { logRecordProcessors: logProcessors } : {}),
      instrumentations: [[...clients]],
    });
    sdk.start();
    // No loader hook can exist here (Bun): the clients are loaded and patched now instead, so the
    // app's imports of them, before or after this call, are instrumented all the same.
    if (esmHook() === undefined && !runtimeHooksEsm()) {
      const names = {
        openai: [CLIENT_PACKAGES.openai, ...(options.openaiAliases ?? [])],
        anthropic: [CLIENT_PACKAGES.anthropic, ...(options.anthropicAliases ?? [])],
      };
      for (const modules of loadClientModules(names, log))
        for (const name of instrumentModules(clients, modules, log)) instrumented.add(name);
    }
    // The SDK's meter, explicitly: the process-wide policy listener may have bound a no-op meter
    // before sdk.start() (a tool called at import time) and only re-checks every so many records.
    // Same scope as that listener's, so the breakwater.* series look the same either way.
    runtime = configureRuntime(options, resolved, log);
    // ── Fleet control client ────────────────────────────────────────────────────────────────
    // Collector breaker signals are applied to this runtime's breaker registry as overrides
    // with an expiry; see control-hook.ts.
    if (resolved.control !== false) {
      if (controlOwner() === 'startFleetControl()') {
        // One client per process; that one follows getRuntime(), which is now this runtime.
        log(
          "start(): startFleetControl() runs the fleet control client already (it applies the collector's signals to start()'s runtime); start() starts none",
        );
      } else {
        control = startControl(resolved, overrideTarget(runtime), options.clock, log);
        if (control !== undefined) claimControl('start()');
      }
    }
  } catch (error) {
    log(`start-up failed, continuing without full telemetry: ${String(error)}`);
  }

  let shutdownPromise: Promise<void> | undefined;
  const handle: Breakwater = {
    options: resolved,
    runtime,
    forceFlush: () => quietly(sdk === undefined ? undefined : forceFlushAll(), log, 'flush'),
    instrument: (modules) => {
      for (const name of instrumentModules(clients, modules, log)) instrumented.add(name);
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        // Streams the app left unread end now (abandoned, at the last chunk it got), before the
        // last flush: waiting for garbage collection to end them would lose their spans.
        try {
          runtime?.openOperations.endAll();
        } catch (error) {
          log(`ending open operations failed: ${String(error)}`);
        }
        await quietly(Promise.resolve(control?.close()), log, 'control client close');
        if (control !== undefined) releaseControl('start()');
        // Its exporters' last flush is what fails here (the collector down): the SDK itself is shut down.
        await quietly(sdk?.shutdown(), log, 'the final export at shutdown');
        state.shutDown = true;
      })();
      return shutdownPromise;
    },
  };
  if (resolved.handleSignals) installSignalHandlers(handle, resolved.exportTimeoutMs + 1_000);
  state.started = {
    handle,
    by,
    inEffect: { given: options, resolved, captureMessageContent: runtime?.captureMessageContent },
  };
  return handle;
}

/**
 * Tells that the entry's client imports are not instrumented, once the code after `start()` has
 * run (the app's `instrument({ openai })` comes right after it), leaving out the clients handed
 * to `instrument()` by then: their calls are patched.
 */
function tellMissingHookLater(
  missing: MissingEsmHook,
  instrumented: ReadonlySet<string>,
  log: (message: string) => void,
): void {
  setImmediate(() => {
    const left = missing.clients.filter((name) => !instrumented.has(name));
    if (left.length > 0) log(missingEsmHookMessage(missing, left));
  });
}

/** NodeSDK has no forceFlush; flush the global providers it registered. */
async function forceFlushAll(): Promise<void> {
  const tp = trace.getTracerProvider() as { forceFlush?: () => Promise<void>; getDelegate?: () => unknown };
  const delegate = (tp.getDelegate?.() ?? tp) as { forceFlush?: () => Promise<void> };
  const mp = metrics.getMeterProvider() as { forceFlush?: () => Promise<void> };
  // The SDK's logger provider once registered (none with OTEL_LOGS_EXPORTER=none: a no-op then).
  const lp = logs.getLoggerProvider() as { forceFlush?: () => Promise<void> };
  await Promise.all([delegate.forceFlush?.(), mp.forceFlush?.(), lp.forceFlush?.()]);
}

/**
 * Has the ESM loader hook intercept the aliases' imports too; says which stay unpatched where the
 * hook's list is fixed (the asynchronous loader of older Node versions).
 */
function interceptAliasesInEsm(
  option: 'openaiAliases' | 'anthropicAliases',
  aliases: readonly string[],
  log: (message: string) => void,
): void {
  const unreached = interceptInEsm(aliases);
  if (unreached.length === 0) return;
  log(
    `${option} ${unreached.join(', ')}: ESM imports of ${unreached.length === 1 ? 'it' : 'them'} stay ` +
      `uninstrumented on Node ${process.versions.node}, whose loader hook runs off-thread with a fixed module list (require() is instrumented); Node 22.22.3+ (22.x), 24.11.1+ (24.x) and 25.1+ run it in-thread, where aliases are intercepted`,
  );
}
