import type { Clock } from '@breakwater/protocol';
import { z } from 'zod';

/**
 * Validates policy options with a zod schema. Bad input throws a `TypeError` naming the policy
 * and every problem; nothing is constructed.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  const unknown =
    schema instanceof z.ZodObject && typeof input === 'object' && input !== null
      ? unknownOptions(input, (key) => key in (schema.shape as Record<string, unknown>))
      : [];
  if (result.success && unknown.length === 0) return result.data;
  const problems = [...(result.success ? [] : [z.prettifyError(result.error)]), ...unknown];
  throw new TypeError(`${where}: invalid options\n${problems.join('\n')}`);
}

/**
 * A problem line for each top-level key of `input` (set to a value) that `known` does not take:
 * a misspelt option would otherwise be ignored.
 */
export function unknownOptions(input: object, known: (key: string) => boolean): string[] {
  return Object.entries(input)
    .filter(([key, value]) => value !== undefined && !known(key))
    .map(([key]) => `✖ unknown option ${JSON.stringify(key)} (a misspelt one would be ignored)`);
}

/** Any object as an option (a policy, a listener). */
export const ObjectSchema = z.custom<object>((v) => typeof v === 'object' && v !== null, {
  message: 'expected an object',
});

/**
 * An object with these methods as an option: a misshapen one would fail only when first called,
 * as a TypeError of its own.
 */
export function objectWithMethods(...names: string[]): z.ZodType<object> {
  return z.custom<object>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      names.every((name) => typeof (v as Record<string, unknown>)[name] === 'function'),
    { message: `expected an object with ${names.map((n) => `${n}()`).join(', ')}` },
  );
}

/** A clock as an option (checked structurally). */
export const ClockSchema = z.custom<Clock>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { now?: unknown }).now === 'function' &&
    typeof (v as { monotonic?: unknown }).monotonic === 'function' &&
    typeof (v as { setTimeout?: unknown }).setTimeout === 'function' &&
    typeof (v as { clearTimeout?: unknown }).clearTimeout === 'function',
  { message: 'expected a Clock { now(), monotonic(), setTimeout(), clearTimeout() }' },
);
