/**
 * Who runs this process's fleet control client. One per process: two would hold two streams to
 * the collector and apply every signal twice to the same breakers.
 */

/** `start()` (its own client) or `startFleetControl()` (for an app with an OpenTelemetry SDK of its own). */
export type ControlOwner = 'start()' | 'startFleetControl()';

let owner: ControlOwner | undefined;

/** Who runs the control client now, if anyone. */
export function controlOwner(): ControlOwner | undefined {
  return owner;
}

/** Records that `by` runs the control client. */
export function claimControl(by: ControlOwner): void {
  owner = by;
}

/** Records that `by`'s client is closed (another may start). */
export function releaseControl(by: ControlOwner): void {
  if (owner === by) owner = undefined;
}
