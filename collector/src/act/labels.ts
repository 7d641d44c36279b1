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

/**
 * `version` label value of the per-version series of spans without `service.version`.
 * Prometheus treats an empty label value as an absent label, so `version=""` would make that
 * series identical to the group summed over versions (which has no `version` label).
 */
export const UNSET_VERSION_LABEL = '(unset)';

/** The `version` label value for a `service.version` (empty → {@link UNSET_VERSION_LABEL}). */
export function versionLabel(version: string): string {
  return version === '' ? UNSET_VERSION_LABEL : version;
}

/** The labels identifying a group: slo, tier, service, version (when per version) and dimensions. */
export function groupLabels(slo: SloStatus, group: SloGroupStatus): Record<string, string> {
  const labels: Record<string, string> = { slo: slo.name, tier: slo.tier, service: group.service };
  if (group.version !== undefined) labels.version = versionLabel(group.version);
  for (const [dim, value] of Object.entries(group.labels ?? {})) labels[dimensionLabel(dim)] = value;
  return labels;
}
