/**
 * `startFleetControl()`: the fleet control client alone, for an app that keeps its own
 * OpenTelemetry SDK (with `breakwaterInstrumentations()` and `configureBreakwater()` from
 * `@breakwater/instrumentation`) instead of calling `start()`. Without it such an app never hears
 * the collector's breaker signals: each replica finds an outage out alone.
 */
import { getRuntime } from '@breakwater/instrumentation';
import type { BreakerOverride } from '@breakwater/protocol';
import { isObject, showValue } from '@breakwater/protocol';
import { checkStartOptions, optionsLogger, suggestion } from './check-options.ts';
import type { ControlClient } from './control/index.ts';
import { processRuntimeTarget, startControl } from './control-hook.ts';
import { claimControl, controlOwner, releaseControl, runningFleetControl } from './control-owner.ts';
import {
  DEFAULT_SERVICE_NAME,
  parseResourceAttributes,
  resolveControl,
  resolveServiceName,
  type StartOptions,
} from './options.ts';
import { readUrlVariables } from './otlp-urls.ts';

/**
 * Options of {@link startFleetControl}: those of `start()` that say where the collector is and
 * which service subscribes, read with the same variables and defaults.
 */
export type FleetControlOptions = Pick<
  StartOptions,
  'serviceName' | 'endpoint' | 'control' | 'clock' | 'logger'
>;

/** What {@link startFleetControl} returns. */
export interface FleetControl {
  /**
   * Whether a control client runs behind this handle: false when the client is off
   * (`control: false`, `BREAKWATER_CONTROL=false`), when `start()` runs it, when it failed to
   * start, and once closed.
   */
  readonly running: boolean;
  /** True while the signal stream to the collector is open. */
  readonly connected: boolean;
  /** The fleet overrides in force now, by dependency (a copy). */
  readonly activeOverrides: ReadonlyMap<string, BreakerOverride>;
  /**
   * Ends the signal stream and hands every overridden breaker back to its local logic; call it in
   * the app's shutdown. Never rejects; calling it again waits for the same close.
   */
  close(): Promise<void>;
}

const OPTION_NAMES: readonly string[] = ['serviceName', 'endpoint', 'control', 'clock', 'logger'];

/** The handle of a call that runs no client. */
const NOT_RUNNING: FleetControl = Object.freeze({
  running: false,
  connected: false,
  activeOverrides: new Map<string, BreakerOverride>(),
  close: () => Promise.resolve(),
});

/**
 * Runs the fleet control client for an app with an OpenTelemetry SDK of its own: it subscribes to
 * the collector's breaker signals and applies them to the process's Breakwater runtime
 * (`getRuntime()`, the one `configureBreakwater()` installs, followed if it is replaced), so a
 * dependency the fleet found failing is refused here too (`CircuitOpenError`) until the fleet lets
 * calls back in. Call it once your SDK has started (the `breakwater.control.*` metrics go to the
 * meter provider registered then).
 *
 * The collector URL, subscribe token and service name are resolved as `start()` resolves them:
 * `control.url`, else `BREAKWATER_COLLECTOR_URL`, else the collector the spans go to (`endpoint`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT`), else
 * `http://127.0.0.1:4318`; `control.token`, else `BREAKWATER_SUBSCRIBE_TOKEN`; `serviceName`, else
 * `OTEL_SERVICE_NAME`, else `OTEL_RESOURCE_ATTRIBUTES`' `service.name`. `control: false` or
 * `BREAKWATER_CONTROL=false` starts none.
 *
 * Never throws: problems go to `logger` (default `console.warn`), as `start()`'s do. One client
 * runs per process: a second call returns the first call's handle (until it is closed), and with
 * `start()` in the process (which runs its own client) none is started; either is logged.
 *
 * @example
 * import { startFleetControl } from '@breakwater/node';
 * const fleet = startFleetControl({ serviceName: 'support-agent', control: { url: 'http://collector:4318' } });
 * // … in the app's shutdown: await fleet.close();
 */
export function startFleetControl(given: FleetControlOptions = {}): FleetControl {
  const log = optionsLogger(given);
  try {
    if (controlOwner() === 'start()') {
      log(
        'startFleetControl(): start() runs the fleet control client already (its shutdown() closes it); this call starts none',
      );
      return NOT_RUNNING;
    }
    const current = runningFleetControl();
    if (current !== undefined) {
      log(
        'startFleetControl() called again: the control client the first call started runs on and this call’s options are ignored (close() it first to start another)',
      );
      return current;
    }
    return startClient(checkOptions(given, log), log);
  } catch (error) {
    log(`startFleetControl() failed, local breakers decide alone: ${String(error)}`);
    return NOT_RUNNING;
  }
}

/** Resolves the options as `start()` does and starts the client; NOT_RUNNING when it is off. */
function startClient(options: FleetControlOptions, log: (message: string) => void): FleetControl {
  const env = process.env;
  const resource = parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES, log);
  const control = resolveControl(options, env, readUrlVariables(env, log), log);
  if (control === false) return NOT_RUNNING;
  const serviceName = resolveServiceName(options, env, resource);
  if (serviceName === DEFAULT_SERVICE_NAME) {
    // The collector routes signals scoped to a service by this name: a wrong one misses them unsaid.
    log(
      `startFleetControl(): no serviceName and no OTEL_SERVICE_NAME, subscribing as ${DEFAULT_SERVICE_NAME}: signals scoped to your service do not reach it; give it the service.name your OpenTelemetry SDK uses`,
    );
  }
  // The breakers count an override's expiry on the runtime's clock: the client's is the same one.
  const clock = options.clock ?? getRuntime().clock;
  const client = startControl({ control, serviceName }, processRuntimeTarget(), clock, log);
  if (client === undefined) return NOT_RUNNING;
  const handle = handleOf(client, log);
  claimControl('startFleetControl()', handle);
  return handle;
}

function handleOf(client: ControlClient, log: (message: string) => void): FleetControl {
  let closing: Promise<void> | undefined;
  const handle: FleetControl = {
    get running() {
      return closing === undefined;
    },
    get connected() {
      return client.connected;
    },
    get activeOverrides() {
      return client.activeOverrides;
    },
    close() {
      closing ??= (async () => {
        try {
          await client.close();
        } catch (error) {
          log(`control client close failed: ${String(error)}`);
        } finally {
          // Only now may another start: this one's last act clears the overrides it set.
          releaseControl('startFleetControl()', handle);
        }
      })();
      return closing;
    },
  };
  return handle;
}

/**
 * `given` checked as `start()` checks the same options (each bad one logged and left out); an
 * option `start()` has but this does not is unknown here, and logged as such.
 */
function checkOptions(given: unknown, log: (message: string) => void): FleetControlOptions {
  if (given === undefined) return {};
  if (!isObject(given)) {
    log(
      `startFleetControl() options must be an object (got ${showValue(given)}); ignored, the environment and defaults apply`,
    );
    return {};
  }
  const known: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    if (OPTION_NAMES.includes(key)) known[key] = value;
    else log(`${key}: unknown option of startFleetControl()${suggestion(key, OPTION_NAMES)}; ignored`);
  }
  return checkStartOptions(known);
}
