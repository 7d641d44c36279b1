import type { ErrorCategory, ErrorSeverity, FaultSource } from '@breakwater/protocol';
import { CATEGORY_DEFAULTS } from '@breakwater/protocol';

/**
 * What Breakwater knows about a failure: the taxonomy in DESIGN.md plus what the error said
 * about retrying. Values are plain and immutable so they can be shared and cached.
 */
export interface Classification {
  readonly category: ErrorCategory;
  readonly severity: ErrorSeverity;
  readonly retryable: boolean;
  readonly source: FaultSource;
  /**
   * Low-cardinality value for the `error.type` span attribute: the provider's error code or type
   * (a Bedrock exception as its streams name it, `modelErrorException`), a network error code,
   * the HTTP status, or `_OTHER`.
   */
  readonly errorType: string;
  /** Delay the dependency asked for (Retry-After family of headers), in milliseconds. */
  readonly retryAfterMs?: number | undefined;
  /** HTTP status, when the error carried one. */
  readonly status?: number | undefined;
  /** Provider that produced the error, when recognised (`openai`, `anthropic`). */
  readonly provider?: string | undefined;
}

/** Fields a rule or a provider adapter may set; the rest come from {@link CATEGORY_DEFAULTS}. */
export type ClassificationInput = { readonly category: ErrorCategory } & Partial<
  Omit<Classification, 'category'>
>;

/** Completes a partial classification with the category defaults. */
export function classification(input: ClassificationInput, fallbackErrorType: string): Classification {
  const defaults = CATEGORY_DEFAULTS[input.category];
  const out: {
    -readonly [K in keyof Classification]: Classification[K];
  } = {
    category: input.category,
    severity: input.severity ?? defaults.severity,
    retryable: input.retryable ?? defaults.retryable,
    source: input.source ?? defaults.source,
    errorType: input.errorType ?? fallbackErrorType,
  };
  if (input.retryAfterMs !== undefined) out.retryAfterMs = input.retryAfterMs;
  if (input.status !== undefined) out.status = input.status;
  if (input.provider !== undefined) out.provider = input.provider;
  return Object.freeze(out);
}

/** A shared, frozen classification for a category with no further detail. */
export function categoryClassification(
  category: ErrorCategory,
  errorType: string = category,
): Classification {
  return classification({ category }, errorType);
}
