import type { Clock } from '@breakwater/protocol';

/** Rolled-back versions remembered at most (oldest answer forgotten first). */
const MAX_ROLLED_BACK_VERSIONS = 1_000;

/** One ROLLBACK answer as kept across restarts. */
export interface StoredRollback {
  service: string;
  version: string;
  /** Epoch ms of the last ROLLBACK answer for the version, as of the save. */
  answeredAt: number;
}

/** One ROLLBACK answer in memory: `at` on the monotonic clock. */
interface Answer {
  service: string;
  version: string;
  at: number;
}

/** Where {@link RolledBackVersions} keeps its answers across restarts. */
export interface RolledBackStore {
  /** What was saved last; empty when nothing was (or it cannot be read, which is logged). */
  load(): Promise<StoredRollback[]>;
  /** Replaces what is stored; writes in the background (see {@link flush}). */
  save(rollbacks: readonly StoredRollback[]): void;
  /** Resolves once every save so far is on disk (or failed, which is logged). */
  flush(): Promise<void>;
  /** Whether the last save failed: what is stored is older than what was saved last. */
  readonly failing: boolean;
}

/**
 * Versions the gate answered ROLLBACK for, kept out of the automatic baseline of later questions
 * while their events can still be in the gate window. A fix deployed minutes after a rollback
 * would otherwise be compared with the version just rolled back, whose errors make almost any
 * version look no worse. With a `store`, {@link restore} (call it once at start) brings them back
 * after a restart, and every ROLLBACK answer from then on is saved: a collector restarted between
 * the rollback and the fix's deploy would otherwise have forgotten it.
 */
export class RolledBackVersions {
  private readonly clock: Pick<Clock, 'monotonic' | 'now'>;
  private readonly keepMs: number;
  private readonly store: RolledBackStore | undefined;
  /** By `service\0version`: the last ROLLBACK answer (monotonic time), oldest first. */
  private readonly answers = new Map<string, Answer>();
  /** Saves wait for {@link restore}: one before it would overwrite what it is about to load. */
  private restored = false;

  /** `keepMs`: the longest gate window, after which the version's events have left it. */
  constructor(clock: Pick<Clock, 'monotonic' | 'now'>, keepMs: number, store?: RolledBackStore) {
    this.clock = clock;
    this.keepMs = keepMs;
    this.store = store;
  }

  /** Notes a ROLLBACK answer for `version` of `service`. */
  add(service: string, version: string): void {
    this.note({ service, version, at: this.clock.monotonic() });
    this.trim();
    if (this.restored) this.save();
  }

  /**
   * The versions of `service` answered ROLLBACK within the last `keepMs`. Saves again when the
   * last save failed: a ROLLBACK is rare, and the file must not wait for the next one to catch up
   * once the disk takes writes again.
   */
  of(service: string): string[] {
    this.forgetExpired();
    if (this.restored && this.store?.failing === true) this.save();
    const versions: string[] = [];
    for (const answer of this.answers.values()) if (answer.service === service) versions.push(answer.version);
    return versions;
  }

  /**
   * Loads the stored answers still within `keepMs` of now (the window may have changed since
   * they were saved). An answer noted since start wins over its stored copy.
   */
  async restore(): Promise<void> {
    if (this.store === undefined) return;
    const stored = await this.store.load();
    this.restored = true;
    // The file holds wall-clock times: read against the wall clock once, here, then kept on the
    // monotonic clock. One in the future (the wall clock stepped back since) counts as just now.
    const now = this.clock.now();
    const mono = this.clock.monotonic();
    const since = [...this.answers.values()];
    this.answers.clear();
    for (const { service, version, answeredAt } of [...stored].sort((a, b) => a.answeredAt - b.answeredAt)) {
      const age = Math.max(0, now - answeredAt);
      if (age < this.keepMs) this.note({ service, version, at: mono - age });
    }
    for (const answer of since) this.note(answer);
    this.trim();
    // Also when some had expired (the save drops them) or some were noted meanwhile (never saved).
    if (stored.length > 0 || since.length > 0) this.save();
  }

  /** Waits for the last save; what is stored stays for the next start. */
  flush(): Promise<void> {
    return this.store?.flush() ?? Promise.resolve();
  }

  /** Keeps `answer`, re-inserted so the map stays ordered by the last answer. */
  private note(answer: Answer): void {
    const key = `${answer.service}\0${answer.version}`;
    this.answers.delete(key);
    this.answers.set(key, answer);
  }

  private forgetExpired(): void {
    const since = this.clock.monotonic() - this.keepMs;
    for (const [key, { at }] of this.answers) {
      if (at >= since) break;
      this.answers.delete(key);
    }
  }

  private trim(): void {
    while (this.answers.size > MAX_ROLLED_BACK_VERSIONS)
      this.answers.delete(this.answers.keys().next().value as string);
  }

  /** Saves the answers still kept, with wall-clock times (as of now) for the next start. */
  private save(): void {
    if (this.store === undefined) return;
    this.forgetExpired();
    const wallNow = this.clock.now();
    const monoNow = this.clock.monotonic();
    this.store.save(
      [...this.answers.values()].map(({ service, version, at }) => ({
        service,
        version,
        answeredAt: wallNow - (monoNow - at),
      })),
    );
  }
}
