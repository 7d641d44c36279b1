import type { SloSection } from '../slo-section.ts';
import { isGroupField } from './common-schema.ts';
import { resolveSlos } from './resolve.ts';
import { KNOWN_ATTRIBUTE_FIELDS } from './span-fields.ts';

/**
 * Attribute keys the configured SLOs read from `SpanRecord.extra` (selector `attributes` and
 * attribute `groupBy` dimensions), so the decoders copy exactly these and nothing else.
 * Keys the decoders already lift into `SpanRecord` fields are left out. Sorted, de-duplicated.
 */
export function selectorAttributeKeys(
  config: Pick<SloSection, 'slos' | 'defaultSlos' | 'technicalSlos' | 'evaluation'>,
): string[] {
  const keys = new Set<string>();
  for (const slo of resolveSlos(config)) {
    for (const dim of slo.groupBy) if (!isGroupField(dim)) keys.add(dim);
    for (const list of [slo.total, slo.good ?? [], slo.bad ?? []]) {
      for (const selector of list) for (const key of Object.keys(selector.attributes ?? {})) keys.add(key);
    }
  }
  for (const key of KNOWN_ATTRIBUTE_FIELDS.keys()) keys.delete(key);
  return [...keys].sort();
}
