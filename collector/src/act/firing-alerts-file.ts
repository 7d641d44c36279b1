import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../component.ts';
import { fingerprint, type RemainingAlert } from './alertmanager.ts';
import { ReplacedFile } from './replaced-file.ts';

/**
 * File in the data directory that holds the SLO alerts (labels and annotations) Alertmanager may
 * hold as firing: pushed as firing, and not yet resolved there.
 */
export const SLO_ALERTS_FILE = 'slo-alerts.json';

const LabelsSchema = z.record(z.string(), z.string());
const FileSchema = z.object({
  version: z.literal(1),
  firing: z.array(z.object({ labels: LabelsSchema, annotations: LabelsSchema })),
});

/**
 * The SLO alerts firing as of the last evaluation, and those whose resolution Alertmanager has
 * not taken yet (see `AlertmanagerPusher.unresolved`), kept across restarts so that the next start
 * can resolve in Alertmanager those that no longer fire (an SLO removed or renamed, an
 * objective relaxed, a burn that ended while the collector was down) instead of leaving them to
 * Alertmanager's `resolve_timeout`. Saved only when the set changes (or the last save failed).
 */
export class FiringAlertsFile {
  /** The file itself (its save failures are on `/metrics`). */
  readonly file: ReplacedFile;
  private saved = '';

  constructor(dataDir: string, logger: Logger) {
    this.file = new ReplacedFile(join(dataDir, SLO_ALERTS_FILE), 'firing SLO alerts', logger);
  }

  /** The alerts saved last; none when there is no readable file (which is logged). */
  async load(): Promise<RemainingAlert[]> {
    const stored = await this.file.readJson(FileSchema);
    if (stored === undefined) return [];
    this.saved = key(stored.firing);
    return stored.firing;
  }

  /**
   * Records the alerts not yet resolved in Alertmanager; written in the background when their
   * label sets changed (annotations such as the current burn rate change at every evaluation,
   * and those of the last write are good enough for a resolved notice), or when the last save
   * failed (it is tried again at every call until one succeeds).
   */
  save(firing: readonly RemainingAlert[]): void {
    const k = key(firing);
    // After a failed save the file holds older alerts: the same set is written again.
    if (k === this.saved && !this.file.failing) return;
    this.saved = k;
    this.file.save(JSON.stringify({ version: 1, firing }));
  }

  /** Resolves once every save so far is on disk (or failed, which is logged). */
  flush(): Promise<void> {
    return this.file.flush();
  }
}

function key(firing: readonly RemainingAlert[]): string {
  return JSON.stringify(firing.map((a) => fingerprint(a.labels)).sort());
}
