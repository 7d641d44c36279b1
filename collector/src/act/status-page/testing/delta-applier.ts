/** The page's own delta code, run in Node: what a viewer holds after each `status-delta` event. */
import { DELTA_SCRIPT } from '../page-script-delta.ts';

/** `applyDelta` of the page's script: `(snapshot, delta) => snapshot`, updated in place. */
export function deltaApplier(): <T>(snapshot: T, delta: unknown) => T {
  return new Function(`${DELTA_SCRIPT}\nreturn applyDelta;`)() as <T>(snapshot: T, delta: unknown) => T;
}
