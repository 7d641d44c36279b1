/**
 * `breakwaterEmbeddingMiddleware()`: a Vercel AI SDK embedding-model middleware
 * (`wrapEmbeddingModel({ model, middleware })`) that runs each `doEmbed` (one per request `embed`
 * and `embedMany` send) as an `embeddings` operation through its dependency's pipeline, as the
 * `openai` instrumentation runs `embeddings.create`: input tokens only, no stream.
 */
import { obj, str } from '../client/describe.ts';
import { describeEmbedCall } from './describe.ts';
import { type AiSdkMiddlewareOptions, type CallKind, guarded } from './guarded.ts';
import type { EmbedCallOptions, EmbeddingModelLike, EmbedWrapOptions } from './model-types.ts';

/**
 * The middleware, typed structurally: it fits `ai`'s `EmbeddingModelMiddleware` (and
 * `EmbeddingModelV4Middleware` of `@ai-sdk/provider`).
 */
export interface BreakwaterEmbeddingMiddleware {
  readonly specificationVersion: 'v4';
  /** Runs one `doEmbed` as an operation through its dependency's pipeline. */
  wrapEmbed<P extends EmbedCallOptions, R>(options: EmbedWrapOptions<P, R>): Promise<R>;
}

type AnyModel = EmbeddingModelLike<EmbedCallOptions, unknown>;

/** `doEmbed`: the operation ends with the result, its input tokens (`usage.tokens`). */
const EMBED: CallKind<AnyModel, EmbedCallOptions, unknown> = {
  stream: false,
  describe: describeEmbedCall,
  send: (model, params) => model.doEmbed(params),
  end(op, result) {
    try {
      const r = obj(result);
      // The raw body the provider answered with, where OpenAI-compatible ones name the model.
      op.setResponseModel(str(obj(obj(r.response).body).model));
      const input = obj(r.usage).tokens;
      op.succeed(typeof input === 'number' && Number.isFinite(input) ? { input } : undefined);
    } catch {
      op.succeed();
    }
    return result;
  },
};

/**
 * An embedding-model middleware for the Vercel AI SDK that runs each embedding request through
 * Breakwater: an operation span (`embeddings {model}`, `gen_ai.usage.input_tokens`, classified
 * errors) with an attempt span per try, and the policies, breaker and fleet signals of its
 * dependency (`openai/text-embedding-3-small`). Give `embed` / `embedMany` `maxRetries: 0`, as
 * the language-model calls (see the README, "With the Vercel AI SDK").
 *
 * @example
 * const model = wrapEmbeddingModel({
 *   model: openai.embedding('text-embedding-3-small'),
 *   middleware: breakwaterEmbeddingMiddleware(),
 * });
 * await embed({ model, value: 'sunny day at the beach', maxRetries: 0 });
 */
export function breakwaterEmbeddingMiddleware(
  options: AiSdkMiddlewareOptions = {},
): BreakwaterEmbeddingMiddleware {
  return {
    specificationVersion: 'v4',
    wrapEmbed<P extends EmbedCallOptions, R>({ params, model }: EmbedWrapOptions<P, R>) {
      return guarded(options, EMBED, model as AnyModel, params) as Promise<R>;
    },
  };
}
