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
  /** The file itself (its save failures are on `/metrics`). */
  readonly file: ReplacedFile;

  constructor(dataDir: string, logger: Logger) {
    this.path = join(dataDir, GATE_ROLLED_BACK_FILE);
    this.file = new ReplacedFile(this.path, 'gate rolled-back versions', logger);
  }

  async load(): Promise<StoredRollback[]> {
    return (await this.file.readJson(FileSchema))?.rollbacks ?? [];
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
