/**
 * Which of two signals for a dependency is newer. Within one collector run, the sequence in the
 * SSE event id that carried it (`<run>:<seq>`, see `formatSignalEventId` in
 * `@breakwater/protocol`): it grows with every event the run publishes, whatever its wall clock
 * does. Signals of different runs (a restarted collector, another replica) cannot be ordered:
 * the one received later wins, as the collector that sent it is the one the client follows now.
 * The collector's `issuedAt` is never compared: a collector whose clock stepped back, or one that
 * runs behind another replica, would have its newer decisions dropped as stale.
 */
import { parseSignalEventId, signalEventStream } from '@breakwater/protocol';

/** Where a signal stands: its event's sequence in the collector run that sent it. */
export interface SignalPosition {
  readonly run: string;
  readonly seq: number;
}

/** The position in `eventId`, or `undefined` for an id not in the collector's format (or none). */
export function signalPosition(eventId: string | undefined): SignalPosition | undefined {
  const run = signalEventStream(eventId);
  if (run === undefined) return undefined;
  const seq = parseSignalEventId(run, eventId);
  return seq === undefined ? undefined : { run, seq };
}

/** Whether a signal at `next` was published before one at `seen` by the same run (a replay). */
export function publishedBefore(next: SignalPosition | undefined, seen: SignalPosition | undefined): boolean {
  return next !== undefined && seen !== undefined && next.run === seen.run && next.seq < seen.seq;
}
