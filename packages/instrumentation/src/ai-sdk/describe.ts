/**
 * Describes an AI SDK model call as the client instrumentations describe theirs (see
 * client/describe.ts): the provider it goes to, its dependency key, span name and attribute sets,
 * its request attributes; and reads its response and usage, which the AI SDK has already put in
 * one shape for every provider.
 */
import { SEMCONV } from '@breakwater/protocol';
import {
  type AttributeMap,
  type BaseDescription,
  baseAttributes,
  int,
  num,
  obj,
  setIf,
  str,
  stringList,
} from '../client/describe.ts';
import {
  AWS_BEDROCK,
  AZURE_OPENAI,
  type ClientFamily,
  type Endpoint,
  endpointOf,
  GCP_VERTEX_AI,
} from '../client/endpoint.ts';
import type { Operation, Usage } from '../operation.ts';
import type { EmbedCallOptions, ModelCallOptions } from './model-types.ts';

/**
 * `gen_ai.provider.name` by the first part of an AI SDK provider id (`azure.chat` → `azure`), for
 * the providers the GenAI conventions name; any other keeps its own id's first part. `openai` and
 * `anthropic` go by the model's base URL as their clients do (an OpenAI-compatible base URL at
 * Groq is `groq`).
 */
const PROVIDERS: Readonly<Record<string, string>> = {
  azure: AZURE_OPENAI,
  'amazon-bedrock': AWS_BEDROCK,
  bedrock: AWS_BEDROCK,
  vertex: GCP_VERTEX_AI,
  google: 'gcp.gemini',
  groq: 'groq',
  deepseek: 'deepseek',
  xai: 'x_ai',
  mistral: 'mistral_ai',
  perplexity: 'perplexity',
  cohere: 'cohere',
};

/** The model's own settings, where the AI SDK's OpenAI and Anthropic models keep their base URL. */
interface ModelConfig {
  readonly config?: {
    readonly baseURL?: unknown;
    readonly url?: (options: { modelId: string; path: string }) => unknown;
  };
}

/** The base URL a model sends to, when it says (not part of the model interface: best effort). */
function baseUrlOf(model: ModelConfig & { readonly modelId: string }): unknown {
  const config = model.config;
  if (typeof config?.baseURL === 'string') return config.baseURL;
  try {
    return config?.url?.({ modelId: model.modelId, path: '' });
  } catch {
    return undefined;
  }
}

/** Where calls of one model go; kept per model object, so a call pays one lookup. */
const endpoints = new WeakMap<object, Endpoint>();

function endpointOfModel(model: { readonly provider: string; readonly modelId: string }): Endpoint {
  let endpoint = endpoints.get(model);
  if (endpoint === undefined) {
    const id = model.provider.toLowerCase();
    const family = id.split('.', 1)[0]!;
    const baseURL = baseUrlOf(model);
    const vertex = id.startsWith('google.vertex') || id.startsWith('vertex');
    endpoint =
      family === 'openai' || family === 'anthropic'
        ? endpointOf(family as ClientFamily, baseURL)
        : endpointOf('openai', baseURL, vertex ? PROVIDERS.vertex : (PROVIDERS[family] ?? family));
    endpoints.set(model, endpoint);
  }
  return endpoint;
}

/** What an AI SDK call is, as its operation span and pipeline need it. */
export type ModelCallDescription = BaseDescription;

/** Describes one `doGenerate` / `doStream` call of `model` with `params`. */
export function describeModelCall(
  model: { readonly provider: string; readonly modelId: string },
  params: ModelCallOptions,
  stream: boolean,
): ModelCallDescription {
  const base = baseAttributes('chat', endpointOfModel(model), model.modelId);
  const a: AttributeMap = base.requestAttributes;
  setIf(a, SEMCONV.GEN_AI_REQUEST_MAX_TOKENS, num(params.maxOutputTokens));
  setIf(a, SEMCONV.GEN_AI_REQUEST_TEMPERATURE, num(params.temperature));
  setIf(a, SEMCONV.GEN_AI_REQUEST_TOP_P, num(params.topP));
  setIf(a, SEMCONV.GEN_AI_REQUEST_TOP_K, num(params.topK));
  setIf(a, SEMCONV.GEN_AI_REQUEST_FREQUENCY_PENALTY, num(params.frequencyPenalty));
  setIf(a, SEMCONV.GEN_AI_REQUEST_PRESENCE_PENALTY, num(params.presencePenalty));
  setIf(a, SEMCONV.GEN_AI_REQUEST_SEED, num(params.seed));
  setIf(a, SEMCONV.GEN_AI_REQUEST_STOP_SEQUENCES, stringList(params.stopSequences));
  const format = params.responseFormat?.type;
  if (format === 'json' || format === 'text') a[SEMCONV.GEN_AI_OUTPUT_TYPE] = format;
  if (stream) a[SEMCONV.GEN_AI_REQUEST_STREAM] = true;
  return base;
}

/** Describes one `doEmbed` call of an embedding `model` with `params`: operation `embeddings`. */
export function describeEmbedCall(
  model: { readonly provider: string; readonly modelId: string },
  params: EmbedCallOptions,
): ModelCallDescription {
  const base = baseAttributes('embeddings', endpointOfModel(model), model.modelId);
  const dimensions = int(params.dimensions);
  if (dimensions !== undefined)
    base.requestAttributes[SEMCONV.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimensions;
  return base;
}

/**
 * Usage in the AI SDK's shape: `LanguageModelV4Usage` (`inputTokens: { total, cacheRead,
 * cacheWrite }`, `outputTokens: { total, reasoning }`), or the flat numbers of older models.
 */
export function usageOf(usage: unknown): Usage | undefined {
  const u = obj(usage);
  const inputs = obj(u.inputTokens);
  const outputs = obj(u.outputTokens);
  const input = num(u.inputTokens) ?? num(inputs.total);
  const output = num(u.outputTokens) ?? num(outputs.total);
  if (input === undefined && output === undefined) return undefined;
  return {
    input,
    output,
    cacheRead: num(inputs.cacheRead) ?? num(u.cachedInputTokens),
    cacheCreation: num(inputs.cacheWrite),
    reasoningOutput: num(outputs.reasoning) ?? num(u.reasoningTokens),
  };
}

/** The provider's own finish reason (`{ unified, raw }` in `LanguageModelV4`, a string before). */
function finishReason(reason: unknown): string | undefined {
  if (typeof reason === 'string') return reason;
  const r = obj(reason);
  return str(r.raw) ?? str(r.unified);
}

/** Writes what a response says about itself on the operation: its id, model, finish reason. */
export function setResponse(op: Operation, response: unknown, reason: unknown): void {
  const r = obj(response);
  op.setResponseModel(str(r.modelId));
  const id = str(r.id);
  if (id !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_ID, id);
  const finish = finishReason(reason);
  if (finish !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_FINISH_REASONS, [finish]);
}
