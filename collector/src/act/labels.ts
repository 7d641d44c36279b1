import type { SloGroupStatus, SloStatus } from '@breakwater/protocol';

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

/** A Prometheus/Alertmanager label name for a `groupBy` dimension (`app.tenant` → `app_tenant`). */
export function dimensionLabel(dim: string): string {
  let name = dim.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (RESERVED.has(name) || name.startsWith('__')) name = `group_${name}`;
  return name;
}

/** The labels identifying a group: slo, tier, service, version (when per version) and dimensions. */
export function groupLabels(slo: SloStatus, group: SloGroupStatus): Record<string, string> {
  const labels: Record<string, string> = { slo: slo.name, tier: slo.tier, service: group.service };
  if (group.version !== undefined) labels.version = group.version;
  for (const [dim, value] of Object.entries(group.labels ?? {})) labels[dimensionLabel(dim)] = value;
  return labels;
}
