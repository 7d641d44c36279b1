import type { SloGroupStatus, SloStatus } from '@breakwater/protocol';
import { dimensionLabel } from '../config/slo/dimension-label.ts';
import { UNSET_VERSION_LABEL } from '../decode/identity.ts';

/**
 * `version` label value of the per-version series of spans without `service.version`.
 * Prometheus treats an empty label value as an absent label, so `version=""` would make that
 * series identical to the group summed over versions (which has no `version` label). Defined
 * where spans are decoded, which read a `service.version` of this value as none.
 */
export { UNSET_VERSION_LABEL };

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
