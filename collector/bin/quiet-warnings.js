// Node 22 marks `node:sqlite` (the collector's store) as experimental, and prints a plain-text
// warning to stderr the first time it is imported: under every command, a line that is neither
// the collector's JSON log nor the CLI's own output. That one warning is expected, so it is not
// printed; every other warning still is, by the same listeners as before.

/** Whether `warning` is Node's ExperimentalWarning about `node:sqlite`. */
export function isSqliteExperimentalWarning(warning) {
  return (
    warning?.name === 'ExperimentalWarning' && /^SQLite is an experimental feature/.test(warning.message)
  );
}

/** Puts a filter in front of the process's `warning` listeners (Node's printer among them). */
export function dropSqliteExperimentalWarning(proc = process) {
  const listeners = proc.listeners('warning');
  // None with --no-warnings or NODE_NO_WARNINGS=1: nothing is printed anyway.
  if (listeners.length === 0) return;
  for (const listener of listeners) proc.removeListener('warning', listener);
  proc.on('warning', (warning) => {
    if (isSqliteExperimentalWarning(warning)) return;
    for (const listener of listeners) listener.call(proc, warning);
  });
}
