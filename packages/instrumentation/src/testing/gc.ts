/**
 * Garbage collection on demand, for tests of what happens to calls the app drops (the
 * instrumentation's garbage-collection backstops).
 */
import { setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage now, and lets the finalizers it queued run. */
export async function collect(): Promise<void> {
  gc();
  await tick();
}

/**
 * Collects garbage until `probe` gives a value, up to 20 times (finalizers run on later tasks);
 * undefined if it never does.
 */
export async function collectUntil<T>(probe: () => T | undefined): Promise<T | undefined> {
  for (let i = 0; i < 20; i++) {
    gc();
    await tick();
    const value = probe();
    if (value !== undefined) return value;
  }
  return undefined;
}
