import type { Clock } from '@breakwater/protocol';
import { z } from 'zod';

/**
 * Validates policy options with a zod schema. Bad input throws a `TypeError` naming the policy
 * and every problem; nothing is constructed.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new TypeError(`${where}: invalid options\n${z.prettifyError(result.error)}`);
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
