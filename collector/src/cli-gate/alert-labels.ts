/**
 * The extra labels `breakwater gate` puts on its incident alert (`--alertmanager-label
 * name=value`), as the collector puts `alertmanager.labels` on its own: Alertmanager routing trees
 * that match on them (team, cluster) then route the CLI's alert as the collector's.
 */
import { ALERT_LABEL_NAME, GATE_ALERT_LABELS } from '../act/alert-labels.ts';
import { UsageError } from '../cli/usage-error.ts';

/**
 * The labels given as `name=value` (both sides trimmed; the value may hold "="). Throws
 * {@link UsageError} naming the flag for a malformed entry, a name Alertmanager refuses, one the
 * gate sets itself, a name given twice, or an empty value (an unset variable: Alertmanager would
 * drop the label and route the alert as if it were not there).
 */
export function alertLabelsFrom(flag: string, values: readonly string[]): Record<string, string> {
  const own: readonly string[] = GATE_ALERT_LABELS;
  // A map: a label named `__proto__` is a name like any other.
  const labels = new Map<string, string>();
  for (const entry of values) {
    const equals = entry.indexOf('=');
    if (equals === -1)
      throw new UsageError(`${flag} ${JSON.stringify(entry)} is not name=value (it has no "=")`);
    const name = entry.slice(0, equals).trim();
    const value = entry.slice(equals + 1).trim();
    if (name === '')
      throw new UsageError(`${flag} ${JSON.stringify(entry)} has no label name before its "="`);
    const place = `${flag} ${JSON.stringify(name)}`;
    if (!ALERT_LABEL_NAME.test(name))
      throw new UsageError(`${place}: a label name is letters, digits and "_", not starting with a digit`);
    if (own.includes(name))
      throw new UsageError(
        `${place}: breakwater gate sets label "${name}" on its incident alert itself; give this one another name`,
      );
    if (labels.has(name)) throw new UsageError(`${place} is given twice`);
    if (value === '') throw new UsageError(`${place} is empty (is the variable that gives it set?)`);
    labels.set(name, value);
  }
  return Object.fromEntries(labels);
}
