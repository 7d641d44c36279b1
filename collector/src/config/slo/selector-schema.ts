import { ERROR_CATEGORIES, FAULT_SOURCES, parseDuration } from '@breakwater/protocol';
import { z } from 'zod';
import { durationString } from './duration-schema.ts';

/** Span statuses a selector can ask for (OTLP `Status.code`). */
export const SPAN_STATUSES = ['unset', 'ok', 'error'] as const;
export type SpanStatus = (typeof SPAN_STATUSES)[number];

/** `"x"` or `["x", "y"]` in YAML; always a list after parsing (any one matches). */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * Which spans an SLO looks at. Every key given must match (AND); a list matches any of its
 * values (OR); the value `"*"` means "present and not empty". Keys not given match everything.
 */
export const SelectorSchema = z
  .object({
    /** `service.name`. */
    service: oneOrMany(z.string().min(1)).optional(),
    /** The span name. */
    span: oneOrMany(z.string().min(1)).optional(),
    /** `gen_ai.operation.name`, e.g. `chat`, `execute_tool`. */
    operation: oneOrMany(z.string().min(1)).optional(),
    /** `gen_ai.provider.name`. */
    provider: oneOrMany(z.string().min(1)).optional(),
    /** `gen_ai.request.model`. */
    model: oneOrMany(z.string().min(1)).optional(),
    /** `gen_ai.tool.name`. */
    tool: oneOrMany(z.string().min(1)).optional(),
    /** The dependency key, e.g. `openai/gpt-4o` or `tool/search_web`. */
    dependency: oneOrMany(z.string().min(1)).optional(),
    /** Equality on any span or resource attribute (values compared as strings). */
    attributes: z
      .record(z.string().min(1), oneOrMany(scalar))
      .transform((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.map(String)])))
      .optional(),
    /** Operations that needed a retry (`breakwater.retry.attempts` > 1), or (false) did not. */
    retried: z.boolean().optional(),
    /** OTLP span status. */
    status: oneOrMany(z.enum(SPAN_STATUSES)).optional(),
    /**
     * Fault source: `breakwater.error.source`, or when absent the default source of
     * `breakwater.error.category`.
     */
    errorSource: oneOrMany(z.enum(FAULT_SOURCES)).optional(),
    /** `breakwater.error.category`. */
    errorCategory: oneOrMany(z.enum(ERROR_CATEGORIES)).optional(),
    /** Whether the span carries a category or a source at all. */
    classified: z.boolean().optional(),
    /** Span duration at most this long, e.g. `2s`. */
    maxDuration: durationString.transform(parseDuration).optional(),
  })
  .strict();

/** A parsed selector (lists normalized, `maxDuration` in milliseconds). */
export type Selector = z.output<typeof SelectorSchema>;

/** One selector, or a list of selectors of which any may match. */
export const SelectorsSchema = z
  .union([SelectorSchema, z.array(SelectorSchema).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));
