/**
 * A request body that cannot be decoded as OTLP. The receiver answers 400 with the message and
 * records nothing from the request.
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}
