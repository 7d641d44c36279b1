// The errors a decoder throws that the receiver answers (400, 413): defined by the receiver, which
// maps them to responses, and thrown by the decode stage after it.

/**
 * A request body that cannot be decoded as OTLP. The receiver answers 400 with the message and
 * records nothing from the request.
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

/**
 * A request with more spans than the caller allowed (what its memory budget can hold once
 * decoded). Thrown as soon as the limit is passed, so the rest is never decoded.
 */
export class TooManySpansError extends Error {
  override readonly name = 'TooManySpansError';
  readonly maxSpans: number;

  constructor(maxSpans: number) {
    super(`the request holds more than ${maxSpans} spans`);
    this.maxSpans = maxSpans;
  }
}
