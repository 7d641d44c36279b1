import { writeFamily, writeSample } from '../exposition/prometheus-text.ts';
import type { ReplacedFile } from './replaced-file.ts';

/**
 * Writes `<family>` (a `breakwater_<component>_state_save_failures_total` counter) with one
 * sample per state file of a component, labelled by the file's name in the data directory.
 * Without it a disk that fills or turns read-only shows only in the log, and a restart then
 * silently comes back to older state.
 */
export function writeStateSaveFailures(out: string[], family: string, files: readonly ReplacedFile[]): void {
  if (files.length === 0) return;
  writeFamily(
    out,
    family,
    'counter',
    'Saves of a state file in the data directory that failed (a restart comes back to what it held before).',
  );
  for (const file of files) writeSample(out, family, { file: file.name }, file.saveFailures);
}
