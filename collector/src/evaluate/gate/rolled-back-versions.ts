import type { Clock } from '@breakwater/protocol';

/** Rolled-back versions remembered at most (oldest answer forgotten first). */
const MAX_ROLLED_BACK_VERSIONS = 1_000;

/**
 * Versions the gate answered ROLLBACK for, kept out of the automatic baseline of later questions
 * while their events can still be in the gate window. A fix deployed minutes after a rollback
 * would otherwise be compared with the version just rolled back, whose errors make almost any
 * version look no worse. In memory: after a restart the gate window has mostly passed anyway.
 */
export class RolledBackVersions {
  private readonly clock: Pick<Clock, 'monotonic'>;
  private readonly keepMs: number;
  /** `service\0version` → monotonic time of the last ROLLBACK answer, oldest first. */
  private readonly answeredAt = new Map<string, number>();

  /** `keepMs`: the longest gate window, after which the version's events have left it. */
  constructor(clock: Pick<Clock, 'monotonic'>, keepMs: number) {
    this.clock = clock;
    this.keepMs = keepMs;
  }

  /** Notes a ROLLBACK answer for `version` of `service`. */
  add(service: string, version: string): void {
    const key = `${service}\0${version}`;
    // Re-inserted, so the map stays ordered by the last answer.
    this.answeredAt.delete(key);
    this.answeredAt.set(key, this.clock.monotonic());
    if (this.answeredAt.size > MAX_ROLLED_BACK_VERSIONS) {
      this.answeredAt.delete(this.answeredAt.keys().next().value as string);
    }
  }

  /** The versions of `service` answered ROLLBACK within the last `keepMs`. */
  of(service: string): string[] {
    const since = this.clock.monotonic() - this.keepMs;
    for (const [key, at] of this.answeredAt) {
      if (at >= since) break;
      this.answeredAt.delete(key);
    }
    const prefix = `${service}\0`;
    const versions: string[] = [];
    for (const key of this.answeredAt.keys())
      if (key.startsWith(prefix)) versions.push(key.slice(prefix.length));
    return versions;
  }
}
