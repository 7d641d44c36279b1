import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../component.ts';
import type { RolledBackStore, StoredRollback } from '../../evaluate/gate/rolled-back-versions.ts';
import { ReplacedFile } from '../replaced-file.ts';

/** File in the data directory that holds the versions the gate answered ROLLBACK for lately. */
export const GATE_ROLLED_BACK_FILE = 'gate-rolled-back.json';

const FileSchema = z.object({
  version: z.literal(1),
  rollbacks: z.array(z.object({ service: z.string(), version: z.string(), answeredAt: z.number() })),
});

/**
 * Rolled-back versions in `<dataDir>/gate-rolled-back.json`, replaced atomically on each save
 * (see {@link ReplacedFile}). A data directory without the file (a new one, or one an older
 * collector kept) starts with none.
 */
export class FileRolledBackStore implements RolledBackStore {
  readonly path: string;
  private readonly logger: Logger;
  /** The file itself (its save failures are on `/metrics`). */
  readonly file: ReplacedFile;

  constructor(dataDir: string, logger: Logger) {
    this.path = join(dataDir, GATE_ROLLED_BACK_FILE);
    this.logger = logger;
    this.file = new ReplacedFile(this.path, 'gate rolled-back versions', logger);
  }

  async load(): Promise<StoredRollback[]> {
    const text = await this.file.read();
    if (text === undefined) return [];
    try {
      return FileSchema.parse(JSON.parse(text)).rollbacks;
    } catch (error) {
      // A damaged file must not keep the collector from starting; it is replaced on the next save.
      this.logger.error(
        { err: error, path: this.path },
        'gate rolled-back versions file is invalid; starting without',
      );
      return [];
    }
  }

  save(rollbacks: readonly StoredRollback[]): void {
    this.file.save(JSON.stringify({ version: 1, rollbacks }));
  }

  flush(): Promise<void> {
    return this.file.flush();
  }

  get failing(): boolean {
    return this.file.failing;
  }
}
