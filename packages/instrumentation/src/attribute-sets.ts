/**
 * Attribute sets that every call of one kind (same operation, provider, model and server) shares:
 * built once, frozen, reused. The success path then allocates no attribute objects for span
 * starts or metric points; the OTel SDK copies what it keeps anyway.
 */
import { SEMCONV } from '@breakwater/protocol';
import type { Attributes } from '@opentelemetry/api';
import { memoized } from './bounded-memo.ts';

/**
 * Metric-point attributes of calls answered by one response model: the duration of a success (a
 * failure adds `error.type`), the stream timings, and the token usage.
 */
export interface ResponseSets {
  readonly duration: Readonly<Attributes>;
  readonly input: Readonly<Attributes>;
  readonly output: Readonly<Attributes>;
}

/** Response models remembered per set; beyond that, sets are built per call. */
const MAX_RESPONSE_MODELS = 16;

/** The shared attribute sets of one kind of call. */
export class AttributeSets {
  /**
   * Attributes of metric points (and the base of every other set). For LLM calls they are also
   * exactly what the GenAI conventions ask to have at span creation for samplers (operation,
   * provider, request model, server), so the operation span starts with this object (a tool's
   * span starts with attributes of its own).
   */
  readonly metric: Readonly<Attributes>;
  private readonly responses = new Map<string | undefined, ResponseSets>();

  constructor(metric: Attributes) {
    this.metric = Object.freeze({ ...metric });
  }

  /** Metric-point attributes of a call answered by `responseModel` (undefined: not known). */
  answeredBy(responseModel: string | undefined): ResponseSets {
    return memoized(this.responses, responseModel, MAX_RESPONSE_MODELS, this.build);
  }

  private readonly build = (responseModel: string | undefined): ResponseSets => {
    const duration: Attributes = { ...this.metric };
    if (responseModel !== undefined) duration[SEMCONV.GEN_AI_RESPONSE_MODEL] = responseModel;
    return {
      duration: Object.freeze(duration),
      input: Object.freeze({ ...duration, [SEMCONV.GEN_AI_TOKEN_TYPE]: 'input' }),
      output: Object.freeze({ ...duration, [SEMCONV.GEN_AI_TOKEN_TYPE]: 'output' }),
    };
  };
}
