import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../component.ts';
import { ReplacedFile } from '../replaced-file.ts';

/** File in the data directory that holds the firing gate incidents. */
export const GATE_INCIDENTS_FILE = 'gate-incidents.json';

const StoredIncidentSchema = z.object({
  /** Incident key (service × version). */
  key: z.string(),
  /** The alert's own labels: `alertmanager.labels` are added when pushed, so edits to them apply. */
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  /**
   * Epoch ms at which the incident stops firing, as of the save: only read on restore (capped at
   * now + TTL then), as the running collector times the TTL on its monotonic clock.
   */
  expiresAt: z.number(),
  /**
   * The SLOs and baseline that raised it: a PROCEED resolves it only if it judged them (see
   * `IncidentScope`). Absent in files of older collectors: such an incident runs to its TTL.
   */
  scope: z.object({ slos: z.array(z.string()), baseline: z.array(z.string()) }).optional(),
});

/** One firing incident as kept across restarts. */
export type StoredIncident = z.infer<typeof StoredIncidentSchema>;

const FileSchema = z.object({ version: z.literal(1), incidents: z.array(StoredIncidentSchema) });

/** Where {@link GateIncidentAlerts} keeps its incidents across restarts. */
export interface IncidentStore {
  /** What was saved last; empty when nothing was (or it cannot be read, which is logged). */
  load(): Promise<StoredIncident[]>;
  /** Replaces what is stored; writes in the background (see {@link flush}). */
  save(incidents: readonly StoredIncident[]): void;
  /** Resolves once every save so far is on disk (or failed, which is logged). */
  flush(): Promise<void>;
}

/**
 * Incidents in `<dataDir>/gate-incidents.json`. Each save replaces the file atomically (write a
 * temporary file, fsync, rename), so a crash leaves the old or the new list, never half of one.
 * Saves made while a write runs are coalesced: only the latest list is written next.
 */
export class FileIncidentStore implements IncidentStore {
  readonly path: string;
  /** The file itself (its save failures are on `/metrics`). */
  readonly file: ReplacedFile;

  constructor(dataDir: string, logger: Logger) {
    this.path = join(dataDir, GATE_INCIDENTS_FILE);
    this.file = new ReplacedFile(this.path, 'gate incidents', logger);
  }

  async load(): Promise<StoredIncident[]> {
    return (await this.file.readJson(FileSchema))?.incidents ?? [];
  }

  save(incidents: readonly StoredIncident[]): void {
    this.file.save(JSON.stringify({ version: 1, incidents }));
  }

  flush(): Promise<void> {
    return this.file.flush();
  }
}
