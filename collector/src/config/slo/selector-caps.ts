import { ATTR, SEMCONV } from '@breakwater/protocol';
import { z } from 'zod';
import {
  MAX_DEPENDENCY_CHARS,
  MAX_ERROR_TYPE_CHARS,
  MAX_LABEL_CHARS,
  MAX_SERVICE_CHARS,
  MAX_VERSION_CHARS,
} from '../../decode/identity.ts';

/**
 * Length caps of the span values that configured selectors compare with. The decoders cut longer
 * values to the cap (`decode/identity.ts`: head, `…`, 8 hex digits of a hash), so a configured
 * value over the cap can never be equal to one: an SLO or fleet override that would silently
 * never see a span. Such a value is a configuration error, not a warning: it is never what the
 * author meant, and the fix (shorten it, or use the capped form the collector shows in labels) is
 * always in the file.
 */
export const SELECTOR_CAPS = {
  service: { cap: MAX_SERVICE_CHARS, field: SEMCONV.SERVICE_NAME },
  span: { cap: MAX_LABEL_CHARS, field: 'the span name' },
  operation: { cap: MAX_LABEL_CHARS, field: SEMCONV.GEN_AI_OPERATION_NAME },
  provider: { cap: MAX_LABEL_CHARS, field: SEMCONV.GEN_AI_PROVIDER_NAME },
  model: { cap: MAX_LABEL_CHARS, field: SEMCONV.GEN_AI_REQUEST_MODEL },
  tool: { cap: MAX_LABEL_CHARS, field: SEMCONV.GEN_AI_TOOL_NAME },
  dependency: { cap: MAX_DEPENDENCY_CHARS, field: 'the dependency key' },
} as const;

/** Attributes read into capped fields shorter than the general label cap (or named apart). */
const ATTRIBUTE_CAPS: ReadonlyMap<string, number> = new Map([
  [SEMCONV.SERVICE_NAME, MAX_SERVICE_CHARS],
  [SEMCONV.SERVICE_VERSION, MAX_VERSION_CHARS],
  [SEMCONV.ERROR_TYPE, MAX_ERROR_TYPE_CHARS],
  [ATTR.DEPENDENCY, MAX_DEPENDENCY_CHARS],
]);

/** The cap of the value an `attributes: { <key>: … }` selector compares with. */
export function attributeCap(key: string): number {
  return ATTRIBUTE_CAPS.get(key) ?? MAX_LABEL_CHARS;
}

/**
 * Why a configured value (`what`: its length, or a pattern's) compared with `field`, which the
 * decoders cut to `cap` characters, never matches.
 */
export function cutBeyondCap(field: string, what: string, cap: number): string {
  return `never matches: ${what}, but the collector cuts ${field} to ${cap} characters as it decodes spans (the rest becomes "…" and a hash)`;
}

/** Why a value of `length` characters compared with `field` (capped at `cap`) never matches. */
export function neverMatches(field: string, length: number, cap: number): string {
  return `${cutBeyondCap(field, `${length} characters long`, cap)}; shorten it (or use the capped form shown in the labels)`;
}

/** A non-empty selector value compared with `field`, refused when longer than its cap. */
export function cappedValue(selector: keyof typeof SELECTOR_CAPS): z.ZodString {
  const { cap, field } = SELECTOR_CAPS[selector];
  return z
    .string()
    .min(1)
    .max(cap, { error: (issue) => neverMatches(field, String(issue.input).length, cap) });
}
