/**
 * Export requests already recorded, so a resent one is not counted twice. An exporter that got no
 * answer in time (the collector was slow, the connection dropped after the commit) sends the same
 * batch again; counting it again would double the batch's events in every SLO, and its errors in
 * every burn rate, just when things are slow.
 *
 * A batch is known by its span count and the ids of its first and last span: span ids are random,
 * so two different batches never share all three. The most recent {@link MAX_RECENT_BATCHES} are
 * kept (in memory: a restart forgets them). A resend that arrives while its original is still
 * being recorded waits for it, and is recorded only if the original failed.
 */
import type { SpanRecord } from '../decode/span-record.ts';

/** How many recorded batches are remembered (about 15 MB), oldest forgotten first. */
export const MAX_RECENT_BATCHES = 100_000;

/** Ends a batch's recording: `recorded` says whether its spans were committed. */
export type SettleBatch = (recorded: boolean) => void;

/** The key of a batch of spans; undefined for none. */
export function batchKey(spans: readonly SpanRecord[]): string | undefined {
  const first = spans[0];
  const last = spans[spans.length - 1];
  if (first === undefined || last === undefined) return undefined;
  return `${spans.length}:${first.traceId}${first.spanId}:${last.traceId}${last.spanId}`;
}

export class RecentBatches {
  private readonly max: number;
  /** Recorded batches, oldest first (a Set keeps insertion order). */
  private readonly recorded = new Set<string>();
  /** Batches being recorded, with a promise that settles when they are. */
  private readonly recording = new Map<string, Promise<void>>();

  constructor(max = MAX_RECENT_BATCHES) {
    this.max = max;
  }

  /**
   * Claims `key` for recording: a settle function to call once the batch is recorded or has
   * failed, or undefined when the batch was recorded already (a duplicate, to answer without
   * recording). Waits only when the same batch is being recorded right now.
   */
  async claim(key: string): Promise<SettleBatch | undefined> {
    for (;;) {
      if (this.recorded.has(key)) return undefined;
      const running = this.recording.get(key);
      if (running === undefined) break;
      await running;
    }
    let done!: () => void;
    this.recording.set(
      key,
      new Promise<void>((resolve) => {
        done = resolve;
      }),
    );
    return (recorded) => {
      this.recording.delete(key);
      if (recorded) this.remember(key);
      done();
    };
  }

  /** How many recorded batches are remembered. */
  get size(): number {
    return this.recorded.size;
  }

  private remember(key: string): void {
    this.recorded.add(key);
    if (this.recorded.size > this.max) {
      const oldest = this.recorded.values().next().value as string;
      this.recorded.delete(oldest);
    }
  }
}
