import { ERROR_CATEGORIES, FAULT_SOURCES, parseDuration } from '@breakwater/protocol';
import { z } from 'zod';
import { durationString } from './duration-schema.ts';
import { attributeCap, cappedValue, neverMatches } from './selector-caps.ts';

/** Span statuses a selector can ask for (OTLP `Status.code`). */
export const SPAN_STATUSES = ['unset', 'ok', 'error'] as const;
export type SpanStatus = (typeof SPAN_STATUSES)[number];

/**
 * `"x"` or `["x", "y"]` in YAML; always a list after parsing (any one matches). `params` go to
 * the union (its error message).
 */
const oneOrMany = <T extends z.ZodType>(item: T, params?: Parameters<typeof z.union>[1]) =>
  z
    .union([item, z.array(item).min(1)], params)
    .transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

/**
 * One of `values`, or a list of them: always a list after parsing. A wrong value is named with
 * the values it may take (zod's own union error says only "Invalid input").
 */
const oneOrManyOf = <const V extends readonly [string, ...string[]]>(values: V) =>
  oneOrMany(z.enum(values), {
    error: (issue) =>
      `expected one of ${values.join(', ')}, or a list of them (got ${JSON.stringify(issue.input)})`,
  });

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Attribute values over the cap of what the span's attribute is cut to (see selector-caps.ts). */
function checkAttributeCaps(
  attributes: Readonly<Record<string, readonly (string | number | boolean)[]>>,
  ctx: z.RefinementCtx,
): void {
  for (const [key, values] of Object.entries(attributes)) {
    const cap = attributeCap(key);
    values.forEach((value, i) => {
      const text = String(value);
      if (text.length <= cap) return;
      ctx.addIssue({ code: 'custom', path: [key, i], message: neverMatches(key, text.length, cap) });
    });
  }
}

/**
 * Which spans an SLO looks at. Every key given must match (AND); a list matches any of its
 * values (OR); the value `"*"` means "present and not empty". Keys not given match everything.
 */
export const SelectorSchema = z
  .object({
    /** `service.name`. */
    service: oneOrMany(cappedValue('service')).optional(),
    /** The span name. */
    span: oneOrMany(cappedValue('span')).optional(),
    /** `gen_ai.operation.name`, e.g. `chat`, `execute_tool`. */
    operation: oneOrMany(cappedValue('operation')).optional(),
    /** `gen_ai.provider.name`. */
    provider: oneOrMany(cappedValue('provider')).optional(),
    /** `gen_ai.request.model`. */
    model: oneOrMany(cappedValue('model')).optional(),
    /** `gen_ai.tool.name`. */
    tool: oneOrMany(cappedValue('tool')).optional(),
    /** The dependency key, e.g. `openai/gpt-4o` or `tool/search_web`. */
    dependency: oneOrMany(cappedValue('dependency')).optional(),
    /** Equality on any span or resource attribute (values compared as strings). */
    attributes: z
      .record(z.string().min(1), oneOrMany(scalar))
      .superRefine(checkAttributeCaps)
      .transform((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.map(String)])))
      .optional(),
    /** Operations that needed a retry (`breakwater.retry.attempts` > 1), or (false) did not. */
    retried: z.boolean().optional(),
    /** OTLP span status. */
    status: oneOrManyOf(SPAN_STATUSES).optional(),
    /**
     * Fault source: `breakwater.error.source`, or when absent the default source of
     * `breakwater.error.category`.
     */
    errorSource: oneOrManyOf(FAULT_SOURCES).optional(),
    /** `breakwater.error.category`. */
    errorCategory: oneOrManyOf(ERROR_CATEGORIES).optional(),
    /** Whether the span carries a category or a source at all. */
    classified: z.boolean().optional(),
    /** Span duration at most this long, e.g. `2s`. */
    maxDuration: durationString.transform(parseDuration).optional(),
  })
  .strict()
  // Stands at many keys (every OpenSLO metric source): the JSON Schema has it once, in $defs.
  .meta({ id: 'SpanSelector' });

/** A parsed selector (lists normalized, `maxDuration` in milliseconds). */
export type Selector = z.output<typeof SelectorSchema>;

/** One selector, or a list of selectors of which any may match. */
export const SelectorsSchema = z
  .union([SelectorSchema, z.array(SelectorSchema).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));
