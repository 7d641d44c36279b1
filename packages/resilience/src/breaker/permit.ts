/** Kinds of admission. */
export const PERMIT_CLOSED = 0;
export const PERMIT_PROBE = 1;
export const PERMIT_OVERRIDE = 2;
export const PERMIT_FORCED = 3;

/**
 * Proof of admission, handed back with the outcome. The common case (closed breaker, no timing)
 * uses one shared permit, so admission allocates nothing.
 */
export class BreakerPermit {
  readonly kind: number;
  /** When the operation started, on monotonic time (NaN when not timed); reset after a bulkhead wait. */
  startedAt: number;
  /** State-machine generation at admission: outcomes from an earlier generation are stale. */
  readonly generation: number;
  /** The parent breaker's permit, when there is a parent. */
  readonly parent: BreakerPermit | undefined;

  constructor(kind: number, startedAt: number, generation: number, parent: BreakerPermit | undefined) {
    this.kind = kind;
    this.startedAt = startedAt;
    this.generation = generation;
    this.parent = parent;
  }
}

/** The shared permit of a closed breaker with nothing to time. */
export const CLOSED_PERMIT: BreakerPermit = Object.freeze(
  new BreakerPermit(PERMIT_CLOSED, Number.NaN, -1, undefined),
);
