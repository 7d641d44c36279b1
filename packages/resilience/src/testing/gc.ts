/** Garbage collection on demand, for tests of what a call leaves behind once it is over. */
import { setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Collects garbage until `done` holds, up to 20 times (a weak reference made in this task, and
 * finalizers, need later tasks); returns whether it came to hold.
 */
export async function collectUntil(done: () => boolean): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    await tick();
    gc();
    if (done()) return true;
  }
  return false;
}
