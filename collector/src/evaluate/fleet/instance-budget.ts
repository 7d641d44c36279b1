/**
 * How many instance ids all fleet windows may remember together. Instance ids come from the
 * exporters (`service.instance.id`), so anyone holding an ingest token can invent them; without
 * a shared bound, `maxDependencies` windows each full of made-up ids would hold gigabytes.
 */
export const MAX_REMEMBERED_INSTANCES = 200_000;

/** A count of remembered instance ids shared by every window of one fleet breaker. */
export class InstanceBudget {
  readonly limit: number;
  private used = 0;

  constructor(limit: number = MAX_REMEMBERED_INSTANCES) {
    this.limit = limit;
  }

  /** Takes one place; false when none is left (the id is then not remembered). */
  take(): boolean {
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  /** Gives back `n` places. */
  give(n: number): void {
    this.used -= n;
  }

  /** Places in use. */
  get inUse(): number {
    return this.used;
  }
}
