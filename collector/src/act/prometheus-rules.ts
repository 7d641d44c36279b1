import type { CollectorConfig } from '../config/schema.ts';

/**
 * Prometheus recording and alerting rules equivalent to the collector's own evaluation, as YAML.
 * (Placeholder until the SLO engine lands.)
 */
export function renderPrometheusRules(_config: CollectorConfig): string {
  return 'groups: []\n';
}
