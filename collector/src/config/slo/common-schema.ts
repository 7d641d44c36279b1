import { z } from 'zod';
import { labelCollision } from './dimension-label.ts';

/**
 * SLO names appear in URLs (`/v1/slos/{name}`), Prometheus labels and alert labels, so they
 * follow DNS-label rules like OpenSLO's `metadata.name`.
 */
export const SloNameSchema = z.string().regex(/^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/, {
  message: 'expected 1-63 lowercase letters, digits, ".", "_" or "-", starting and ending alphanumeric',
});

/** Span fields an SLO can be grouped by besides service and `service.version` (always grouped). */
export const GROUP_FIELDS = ['operation', 'provider', 'model', 'tool', 'dependency', 'span'] as const;
export type GroupField = (typeof GROUP_FIELDS)[number];

const GROUP_FIELD_SET: ReadonlySet<string> = new Set(GROUP_FIELDS);

/** True when a `groupBy` entry names a span field rather than an attribute key. */
export function isGroupField(dim: string): dim is GroupField {
  return GROUP_FIELD_SET.has(dim);
}

/**
 * Extra grouping dimensions: one of {@link GROUP_FIELDS}, or an attribute key (which must contain
 * a dot, e.g. `app.tenant`, so a misspelt field name is an error rather than an empty group).
 */
export const GroupBySchema = z
  .array(
    z.string().refine((dim) => isGroupField(dim) || dim.includes('.'), {
      message: `expected one of ${GROUP_FIELDS.join(', ')} or an attribute key such as "app.tenant"`,
    }),
  )
  .refine((dims) => new Set(dims).size === dims.length, { message: 'groupBy lists a dimension twice' })
  .superRefine((dims, ctx) => {
    const clash = labelCollision(dims);
    if (clash === undefined || clash.dims[0] === clash.dims[1]) return;
    ctx.addIssue({
      code: 'custom',
      message: `groupBy dimensions "${clash.dims[0]}" and "${clash.dims[1]}" both become the label "${clash.label}" in metrics and alerts; group by one of them`,
    });
  });

/**
 * An objective in percent (`objective`, OpenSLO `targetPercent`). Below 1 % it is a fraction
 * written where a percentage goes (`0.995` for 99.5 %): taken as is, no alert would ever fire.
 */
export const PercentObjectiveSchema = z
  .number()
  .gt(0)
  .lt(100)
  .refine((percent) => percent >= 1, {
    error: (issue) =>
      `a percentage (99.5 means 99.5 %): ${String(issue.input)} looks like a fraction; write ${String(Number(((issue.input as number) * 100).toPrecision(12)))}`,
  });
