/**
 * Operations whose end is up to the app: a stream it has not read to the end, a response it has
 * not parsed yet. Dropped by the app, they end when garbage collection finds them; a process that
 * shuts down first would never export them. Shutdown ends them here instead, each as its
 * garbage-collection backstop would (a stream as abandoned, at the last chunk the app got).
 *
 * Holds an operation only while it is open (an operation leaves as it ends), and never the
 * stream or promise the app holds, so it keeps nothing collectable alive for longer.
 */

/**
 * An open operation in {@link OpenOperations}: any object, told apart by identity. It leaves on
 * its own as it ends.
 */
export type OperationKey = object;

/** The operations of one runtime that wait on the app to end. */
export class OpenOperations {
  private readonly open = new Map<OperationKey, () => void>();

  /** `op` now waits on the app; `end` ends it as its backstop would. Replaces an earlier `end`. */
  add(op: OperationKey, end: () => void): void {
    this.open.set(op, end);
  }

  /** `op` has ended. */
  delete(op: OperationKey): void {
    this.open.delete(op);
  }

  /** How many operations wait on the app now. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Ends every operation still waiting on the app, so its span reaches the next flush. Call at
   * shutdown, before the tracer provider's last flush. Returns how many it ended.
   */
  endAll(): number {
    const ends = [...this.open.values()];
    this.open.clear();
    for (const end of ends) {
      try {
        end();
      } catch {
        // One operation's end failing must not keep the others' spans from the flush.
      }
    }
    return ends.length;
  }
}
