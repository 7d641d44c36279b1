/** Labels Breakwater sets itself; a `groupBy` dimension sanitizing to one of these gets a prefix. */
const RESERVED = new Set([
  'alertname',
  'slo',
  'service',
  'version',
  'tier',
  'window',
  'severity',
  'level',
  'le',
  'job',
  'instance',
]);

/**
 * A Prometheus/Alertmanager label name for a `groupBy` dimension (`app.tenant` → `app_tenant`).
 * Not injective (`app.tenant-id` and `app.tenant_id` both give `app_tenant_id`), so the
 * configuration rejects a `groupBy` whose dimensions share a label ({@link labelCollision}).
 */
export function dimensionLabel(dim: string): string {
  let name = dim.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (RESERVED.has(name) || name.startsWith('__')) name = `group_${name}`;
  return name;
}

/**
 * The first two dimensions of a `groupBy` that map to the same label name, if any. Two such
 * dimensions would write one label, so groups differing only in the first would export
 * identical series and alerts (merged in Prometheus and Alertmanager).
 */
export function labelCollision(
  dims: readonly string[],
): { dims: [string, string]; label: string } | undefined {
  const seen = new Map<string, string>();
  for (const dim of dims) {
    const label = dimensionLabel(dim);
    const other = seen.get(label);
    if (other !== undefined) return { dims: [other, dim], label };
    seen.set(label, dim);
  }
  return undefined;
}
