/**
 * Shared helpers for describing a GenAI call from its request body.
 */
import { dependencyKey, type GenAiOperation, SEMCONV } from '@breakwater/protocol';

export type AttributeMap = Record<string, string | number | boolean | string[]>;

/** The attributes every GenAI client call starts with, and the subset that goes on metrics. */
export function baseAttributes(
  operation: GenAiOperation,
  provider: string,
  model: string | undefined,
  server: AttributeMap,
): {
  dependency: string;
  spanName: string;
  attributes: AttributeMap;
  metricAttributes: Record<string, string | number | boolean>;
} {
  const metricAttributes: Record<string, string | number | boolean> = {
    [SEMCONV.GEN_AI_OPERATION_NAME]: operation,
    [SEMCONV.GEN_AI_PROVIDER_NAME]: provider,
  };
  if (model !== undefined) metricAttributes[SEMCONV.GEN_AI_REQUEST_MODEL] = model;
  for (const [k, v] of Object.entries(server)) if (!Array.isArray(v)) metricAttributes[k] = v;
  return {
    dependency: dependencyKey({ provider, model }) ?? provider,
    spanName: model === undefined ? operation : `${operation} ${model}`,
    attributes: { ...metricAttributes },
    metricAttributes,
  };
}

/** `value` when it is a finite number. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `value` when it is a string. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Plain-object view of an unknown value (or an empty one). */
export function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** JSON for content capture; never throws. */
export function json(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
