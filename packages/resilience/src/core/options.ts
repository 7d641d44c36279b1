import type { Clock } from '@breakwater/protocol';
import { z } from 'zod';

/**
 * Validates policy options with a zod schema. Bad input throws a `TypeError` naming the policy
 * and every problem; nothing is constructed.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  const unknown = unknownKeys(schema, input);
  if (result.success && unknown.length === 0) return result.data;
  const problems = [
    ...(result.success ? [] : [z.prettifyError(result.error)]),
    ...unknown.map((key) => `✖ unknown option ${JSON.stringify(key)} (a misspelt one would be ignored)`),
  ];
  throw new TypeError(`${where}: invalid options\n${problems.join('\n')}`);
}

/** Top-level keys of `input` that an object `schema` does not know (none for other schemas). */
function unknownKeys(schema: z.ZodType, input: unknown): string[] {
  if (!(schema instanceof z.ZodObject) || typeof input !== 'object' || input === null) return [];
  const shape = schema.shape as Record<string, unknown>;
  return Object.keys(input).filter(
    (key) => !(key in shape) && (input as Record<string, unknown>)[key] !== undefined,
  );
}

/** A clock as an option (checked structurally). */
export const ClockSchema = z.custom<Clock>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { now?: unknown }).now === 'function' &&
    typeof (v as { monotonic?: unknown }).monotonic === 'function' &&
    typeof (v as { setTimeout?: unknown }).setTimeout === 'function',
  { message: 'expected a Clock { now(), monotonic(), setTimeout(), clearTimeout() }' },
);
