/**
 * `breakwaterMiddleware()`: a Vercel AI SDK language-model middleware (`wrapLanguageModel({
 * model, middleware })`) that gives the AI SDK's model calls what the `openai` and
 * `@anthropic-ai/sdk` instrumentations give theirs. The AI SDK's providers call `fetch`
 * themselves, so those instrumentations never see them: here each `doGenerate` / `doStream` is
 * one operation, run through the dependency's pipeline (retries, breaker, bulkhead, fleet
 * overrides), with an attempt span per try (see guarded.ts).
 */
import { describeModelCall, setResponse, usageOf } from './describe.ts';
import { type AiSdkMiddlewareOptions, type CallKind, guarded } from './guarded.ts';
import type { LanguageModelLike, ModelCallOptions, StreamResultLike, WrapOptions } from './model-types.ts';
import { type OpenedParts, observeParts, openParts } from './stream.ts';

export type { AiSdkMiddlewareOptions } from './guarded.ts';

/**
 * The middleware, typed structurally: it fits `ai`'s `LanguageModelMiddleware` (and
 * `LanguageModelV4Middleware` of `@ai-sdk/provider`) for any call options and results.
 */
export interface BreakwaterMiddleware {
  readonly specificationVersion: 'v4';
  /** Runs one `doGenerate` as an operation through its dependency's pipeline. */
  wrapGenerate<P extends ModelCallOptions, G, S>(options: WrapOptions<P, G, S>): Promise<G>;
  /**
   * Runs one `doStream` as an operation: its attempts end with the stream's first part from the
   * provider (an error there is retried), the operation with the stream of parts, which is never
   * retried once handed over.
   */
  wrapStream<P extends ModelCallOptions, G, S extends StreamResultLike<unknown>>(
    options: WrapOptions<P, G, S>,
  ): Promise<S>;
}

type AnyModel = LanguageModelLike<ModelCallOptions, unknown, unknown>;

/** `doGenerate`: the operation ends with the result, its response and usage. */
const GENERATE: CallKind<AnyModel, ModelCallOptions, unknown> = {
  stream: false,
  describe: (model, params) => describeModelCall(model, params, false),
  send: (model, params) => model.doGenerate(params),
  end(op, result) {
    const g = result as { response?: unknown; finishReason?: unknown; usage?: unknown };
    try {
      setResponse(op, g.response, g.finishReason);
      op.succeed(usageOf(g.usage));
    } catch {
      op.succeed();
    }
    return result;
  },
};

/** A `doStream` result whose stream was opened in the attempt. */
interface OpenedStream {
  readonly result: StreamResultLike<unknown>;
  readonly parts: OpenedParts<unknown>;
}

/**
 * `doStream`: the attempt ends with the stream's first part from the provider, the operation with
 * the stream of parts the app is handed.
 */
const STREAM: CallKind<AnyModel, ModelCallOptions, unknown, OpenedStream> = {
  stream: true,
  describe: (model, params) => describeModelCall(model, params, true),
  send: (model, params) => model.doStream(params),
  async open(op, result) {
    const s = result as StreamResultLike<unknown>;
    return { result: s, parts: await openParts(op, s.stream) };
  },
  end(op, { result, parts }, chunkWait, caller) {
    return { ...result, stream: observeParts(op, parts, chunkWait, caller) };
  },
};

/**
 * A language-model middleware for the Vercel AI SDK that runs each model call through Breakwater:
 * an operation span (`chat {model}`, GenAI attributes, usage, classified errors) with an attempt
 * span per try, and the policies of its dependency (`openai/gpt-4o`, `anthropic/claude-…`): one
 * retry loop, breaker, bulkhead and the fleet's breaker signals. Give the AI SDK's calls
 * `maxRetries: 0`, or its own retries run around Breakwater's (see the README, "With the Vercel AI
 * SDK").
 *
 * @example
 * const model = wrapLanguageModel({ model: openai('gpt-4o'), middleware: breakwaterMiddleware() });
 * await generateText({ model, prompt, maxRetries: 0 });
 */
export function breakwaterMiddleware(options: AiSdkMiddlewareOptions = {}): BreakwaterMiddleware {
  return {
    specificationVersion: 'v4',
    wrapGenerate<P extends ModelCallOptions, G, S>({ params, model }: WrapOptions<P, G, S>) {
      return guarded(options, GENERATE, model as AnyModel, params) as Promise<G>;
    },
    wrapStream<P extends ModelCallOptions, G, S>({ params, model }: WrapOptions<P, G, S>) {
      return guarded(options, STREAM, model as AnyModel, params) as Promise<S>;
    },
  };
}
