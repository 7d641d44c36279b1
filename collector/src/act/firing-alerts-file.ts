import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../component.ts';
import { fingerprint } from './alertmanager.ts';
import { ReplacedFile } from './replaced-file.ts';

/**
 * File in the data directory that holds the label sets of the SLO alerts Alertmanager may hold as
 * firing: pushed as firing, and not yet resolved there.
 */
export const SLO_ALERTS_FILE = 'slo-alerts.json';

const FileSchema = z.object({ version: z.literal(1), firing: z.array(z.record(z.string(), z.string())) });

/**
 * The SLO alerts firing as of the last evaluation, and those whose resolution Alertmanager has
 * not taken yet (see `AlertmanagerPusher.unresolved`), kept across restarts so that the next start
 * can resolve in Alertmanager those that no longer fire (an SLO removed or renamed, an
 * objective relaxed, a burn that ended while the collector was down) instead of leaving them to
 * Alertmanager's `resolve_timeout`. Saved only when the set changes.
 */
export class FiringAlertsFile {
  private readonly file: ReplacedFile;
  private readonly logger: Logger;
  private saved = '';

  constructor(dataDir: string, logger: Logger) {
    this.file = new ReplacedFile(join(dataDir, SLO_ALERTS_FILE), 'firing SLO alerts', logger);
    this.logger = logger;
  }

  /** The label sets saved last; none when there is no readable file (which is logged). */
  async load(): Promise<Record<string, string>[]> {
    const text = await this.file.read();
    if (text === undefined) return [];
    try {
      const { firing } = FileSchema.parse(JSON.parse(text));
      this.saved = key(firing);
      return firing;
    } catch (error) {
      this.logger.error(
        { err: error, path: this.file.path },
        'firing SLO alerts file is invalid; starting without',
      );
      return [];
    }
  }

  /** Records the label sets firing now; written in the background when they changed. */
  save(firing: readonly Readonly<Record<string, string>>[]): void {
    const k = key(firing);
    if (k === this.saved) return;
    this.saved = k;
    this.file.save(JSON.stringify({ version: 1, firing }));
  }

  /** Resolves once every save so far is on disk (or failed, which is logged). */
  flush(): Promise<void> {
    return this.file.flush();
  }
}

function key(firing: readonly Readonly<Record<string, string>>[]): string {
  return JSON.stringify(firing.map(fingerprint).sort());
}
