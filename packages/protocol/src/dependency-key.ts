import { SEMCONV } from './attributes.ts';

/** The attributes a dependency key is derived from. */
export interface DependencyKeyInput {
  /** `gen_ai.provider.name`, e.g. `openai`. */
  readonly provider?: string | undefined;
  /** `gen_ai.request.model`, e.g. `gpt-4o`. */
  readonly model?: string | undefined;
  /** `gen_ai.tool.name`, for tool spans. */
  readonly toolName?: string | undefined;
  /** `server.address`, the fallback for anything else. */
  readonly serverAddress?: string | undefined;
}

/** Model segment used when an LLM span names its provider but not its model. */
export const UNKNOWN_MODEL = '_unknown';

function clean(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * The dependency key: `tool/<tool name>` for tool calls, `<provider>/<model>` for LLM calls,
 * otherwise `server.address`. The SDK names its breakers with it and the collector groups spans
 * by it, so both sides call this one function. Returns `undefined` when nothing identifies a
 * dependency (the span is not a dependency call).
 */
export function dependencyKey(input: DependencyKeyInput): string | undefined {
  const tool = clean(input.toolName);
  if (tool !== undefined) return `tool/${tool}`;
  const provider = clean(input.provider);
  if (provider !== undefined) return `${provider}/${clean(input.model) ?? UNKNOWN_MODEL}`;
  return clean(input.serverAddress);
}

/** Looks one attribute up by key; returns anything (non-strings are ignored). */
export type AttributeLookup = (key: string) => unknown;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * {@link dependencyKey} from span attributes, given as a plain record or a lookup function.
 */
export function dependencyKeyFromAttributes(
  attributes: Readonly<Record<string, unknown>> | AttributeLookup,
): string | undefined {
  const get: AttributeLookup = typeof attributes === 'function' ? attributes : (k) => attributes[k];
  return dependencyKey({
    toolName: str(get(SEMCONV.GEN_AI_TOOL_NAME)),
    provider: str(get(SEMCONV.GEN_AI_PROVIDER_NAME)),
    model: str(get(SEMCONV.GEN_AI_REQUEST_MODEL)),
    serverAddress: str(get(SEMCONV.SERVER_ADDRESS)),
  });
}
