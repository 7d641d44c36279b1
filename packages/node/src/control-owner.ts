/**
 * Who runs this process's fleet control client. One per process: two would hold two streams to
 * the collector and apply every signal twice to the same breakers (and the first to close would
 * clear overrides the other still holds).
 */
import { PACKAGE_VERSION } from '@breakwater/instrumentation';
import type { FleetControl } from './fleet-control.ts';

/** `start()` (its own client) or `startFleetControl()` (for an app with an OpenTelemetry SDK of its own). */
export type ControlOwner = 'start()' | 'startFleetControl()';

interface ControlRecord {
  owner: ControlOwner | undefined;
  /** The handle `startFleetControl()` returned while its client runs, for a later call. */
  fleetControl: FleetControl | undefined;
}

/**
 * Kept on `globalThis` under a registered symbol, so every copy of this package that steers the
 * same runtime shares it: an app bundled with a copy of its own, under `--import
 * @breakwater/node/register`, must not start a second client beside the register module's. The
 * runtime is shared by copies of `@breakwater/instrumentation` at one version (its runtime.ts),
 * so the record is per that version: a copy at another steers a runtime of its own.
 */
const KEY = Symbol.for(`@breakwater/node.controlOwner ${PACKAGE_VERSION}`);
const holder = globalThis as { [KEY]?: ControlRecord };
holder[KEY] ??= { owner: undefined, fleetControl: undefined };
const record: ControlRecord = holder[KEY];

/** Who runs the control client now, if anyone. */
export function controlOwner(): ControlOwner | undefined {
  return record.owner;
}

/** Records that `by` runs the control client (`startFleetControl()` with the handle it returns). */
export function claimControl(by: ControlOwner, fleetControl?: FleetControl): void {
  record.owner = by;
  record.fleetControl = fleetControl;
}

/** Records that `by`'s client is closed (another may start). */
export function releaseControl(by: ControlOwner, fleetControl?: FleetControl): void {
  if (record.owner !== by || record.fleetControl !== fleetControl) return;
  record.owner = undefined;
  record.fleetControl = undefined;
}

/** The handle of the client `startFleetControl()` runs now, whichever copy started it. */
export function runningFleetControl(): FleetControl | undefined {
  return record.fleetControl;
}
