import { type ActiveSignals, MAX_SIGNAL_EVENT_BYTES, SIGNAL_EVENT } from '@breakwater/protocol';
import { sseJsonEvent } from '../sse.ts';

/** Largest snapshot part: half of what a subscriber accepts, leaving room for the framing. */
export const SNAPSHOT_PART_BYTES = MAX_SIGNAL_EVENT_BYTES / 2;

/**
 * The `snapshot` events of `snapshot`: one event when it fits in `partBytes`, otherwise parts of
 * at most that size (a single signal is far smaller). Every part but the last says `more: true`
 * and only the last carries `id`, so a subscriber cut off mid-snapshot has no id to resume from
 * and is sent the whole snapshot again (see `ActiveSignalsSchema.more`).
 */
export function snapshotEvents(snapshot: ActiveSignals, id: string, partBytes = SNAPSHOT_PART_BYTES): string {
  const whole = JSON.stringify(snapshot);
  if (Buffer.byteLength(whole) <= partBytes) return sseJsonEvent(SIGNAL_EVENT.SNAPSHOT, id, whole);
  const head = `{"now":${JSON.stringify(snapshot.now)},"signals":[`;
  const part = (items: readonly string[], more: boolean): string =>
    `${head}${items.join(',')}]${more ? ',"more":true' : ''}}`;
  // Room for the head, the closing `],"more":true}` and the commas between items.
  const budget = partBytes - Buffer.byteLength(part([], true));
  let out = '';
  let items: string[] = [];
  let size = 0;
  for (const signal of snapshot.signals) {
    const item = JSON.stringify(signal);
    const bytes = Buffer.byteLength(item) + 1;
    if (items.length > 0 && size + bytes > budget) {
      out += sseJsonEvent(SIGNAL_EVENT.SNAPSHOT, undefined, part(items, true));
      items = [];
      size = 0;
    }
    items.push(item);
    size += bytes;
  }
  return out + sseJsonEvent(SIGNAL_EVENT.SNAPSHOT, id, part(items, false));
}
