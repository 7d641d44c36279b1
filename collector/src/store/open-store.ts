import { join } from 'node:path';
import type { SloSection } from '../config/slo-section.ts';
import { MemoryStore } from './memory-store.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { RetentionFn, SloStore } from './types.ts';

/** Default SQLite file name inside the data directory. */
export const DEFAULT_STORE_FILE = 'breakwater.db';

/** Opens the store the configuration asks for (`store.kind`, default SQLite under `dataDir`). */
export function openStore(
  config: Pick<SloSection, 'store'>,
  dataDir: string,
  retention: RetentionFn,
): SloStore {
  if (config.store.kind === 'memory') return new MemoryStore(retention);
  return SqliteStore.open({
    path: config.store.path ?? join(dataDir, DEFAULT_STORE_FILE),
    retention,
    synchronous: config.store.synchronous,
  });
}
