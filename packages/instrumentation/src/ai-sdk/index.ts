/**
 * `@breakwater/instrumentation/ai-sdk`: Breakwater for the Vercel AI SDK (`ai`), whose providers
 * (`@ai-sdk/openai`, `@ai-sdk/anthropic`, …) call `fetch` themselves rather than the clients the
 * instrumentations patch. A language-model middleware and an embedding-model middleware run each
 * model call through the same operation, attempt spans and resilience pipeline. `ai` is no
 * dependency: the middlewares are typed structurally.
 * @packageDocumentation
 */
export { type BreakwaterEmbeddingMiddleware, breakwaterEmbeddingMiddleware } from './embedding-middleware.ts';
export {
  type AiSdkMiddlewareOptions,
  type BreakwaterMiddleware,
  breakwaterMiddleware,
} from './middleware.ts';
export type {
  EmbedCallOptions,
  EmbeddingModelLike,
  EmbedWrapOptions,
  LanguageModelLike,
  ModelCallOptions,
  StreamResultLike,
  WrapOptions,
} from './model-types.ts';
export { ModelStreamError } from './stream.ts';
