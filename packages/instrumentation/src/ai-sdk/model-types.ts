/**
 * The parts of the Vercel AI SDK's language- and embedding-model interfaces (`LanguageModelV4`,
 * `EmbeddingModelV4` of `@ai-sdk/provider`, which `ai` 7 uses) that the middlewares read, typed
 * structurally: `ai` is no dependency of this package, and an app's own copy of it is the one its
 * models come from.
 */

/** The options of one model call (`LanguageModelV4CallOptions`), as far as they are read here. */
export interface ModelCallOptions {
  readonly abortSignal?: AbortSignal | undefined;
  readonly maxOutputTokens?: number | undefined;
  readonly temperature?: number | undefined;
  readonly topP?: number | undefined;
  readonly topK?: number | undefined;
  readonly presencePenalty?: number | undefined;
  readonly frequencyPenalty?: number | undefined;
  readonly stopSequences?: string[] | undefined;
  readonly seed?: number | undefined;
  readonly responseFormat?: { readonly type: string } | undefined;
}

/** A language model whose calls take options `P` and give `G` (generate) or `S` (stream). */
export interface LanguageModelLike<P, G, S> {
  /** The AI SDK's provider id: `openai.chat`, `openai.responses`, `anthropic.messages`, … */
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: P): PromiseLike<G>;
  doStream(options: P): PromiseLike<S>;
}

/** A streamed result: its parts come in a `ReadableStream`. */
export interface StreamResultLike<T> {
  readonly stream: ReadableStream<T>;
}

/** What a middleware's `wrapGenerate` / `wrapStream` is given. */
export interface WrapOptions<P, G, S> {
  readonly doGenerate: () => PromiseLike<G>;
  readonly doStream: () => PromiseLike<S>;
  readonly params: P;
  readonly model: LanguageModelLike<P, G, S>;
}

/** The options of one embedding call (`EmbeddingModelV4CallOptions`), as far as they are read here. */
export interface EmbedCallOptions {
  readonly abortSignal?: AbortSignal | undefined;
  /** The requested output dimensions (`embed({ dimensions })`). */
  readonly dimensions?: number | undefined;
}

/** An embedding model (`EmbeddingModelV4`) whose calls take options `P` and give `R`. */
export interface EmbeddingModelLike<P, R> {
  /** The AI SDK's provider id: `openai.embedding`, `google.generative-ai`, … */
  readonly provider: string;
  readonly modelId: string;
  doEmbed(options: P): PromiseLike<R>;
}

/** What an embedding middleware's `wrapEmbed` is given. */
export interface EmbedWrapOptions<P, R> {
  readonly doEmbed: () => PromiseLike<R>;
  readonly params: P;
  readonly model: EmbeddingModelLike<P, R>;
}
