import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, COLLECTOR_PATHS, parseDuration } from '@breakwater/protocol';
import type { BreakerStateSink, Logger, Route, SpanSink } from '../component.ts';
import type { LimitsConfig } from '../config/server-section.ts';
import type { DecodedBreakerStates } from '../decode/breaker-points.ts';
import type { DecodedTraces } from '../decode/span-record.ts';
import { type Admission, DECODED_SPAN_BYTES } from './admission.ts';
import { BodyError, contentEncodingOf, forwardedEncoding, readBody } from './body.ts';
import { OtlpDecodeError, TooManySpansError } from './decode-error.ts';
import { send } from './http-reply.ts';
import type { IngestStats } from './ingest-stats.ts';
import { estimateJsonTreeBytes } from './json-tree-estimate.ts';
import {
  contentTypeOf,
  encodeExportResponse,
  encodeStatus,
  encodingOf,
  type OtlpEncoding,
  RPC_CODE,
} from './otlp-responses.ts';
import { batchKey, RecentBatches } from './recent-batches.ts';
import { RecordFailures } from './record-failures.ts';

/** OTLP signals the receiver accepts. */
export type OtlpSignal = 'traces' | 'metrics';

/** A received request, as handed to forwarders: the bytes exactly as they arrived. */
export interface RawOtlpRequest {
  signal: OtlpSignal;
  body: Buffer;
  contentType: string;
  /**
   * The body's encoding in its canonical name (`gzip`, `deflate`), undefined for none
   * ({@link forwardedEncoding}): the receiver takes `GZIP`, `x-gzip` or `identity`, OTLP
   * receivers downstream (the OpenTelemetry Collector's, Tempo's, Jaeger's) do not.
   */
  contentEncoding: ReturnType<typeof forwardedEncoding>;
}

/**
 * Forwarding as the receiver drives it: a request is held (written to the spools of the
 * destinations that keep one) before any sink sees it, and sent once the sinks took it, so that
 * no request is acknowledged that a restart would lose, nor forwarded when it was refused.
 */
export interface ForwardIntake {
  /**
   * Holds `request` for every destination that takes its signal; undefined when a spool cannot
   * write it (disk full, I/O error): nothing is held then, and the request must be refused.
   */
  hold(request: RawOtlpRequest): HeldForward | undefined;
}

/** A request {@link ForwardIntake.hold} holds: exactly one of its methods is called. */
export interface HeldForward {
  /** Queues the request for its destinations: it was accepted. */
  send(): void;
  /** Lets the request go (its spool rows are deleted): it was refused after all. */
  drop(): void;
}

/**
 * Decoders for one signal, by encoding. `maxRecords` bounds the spans a trace decoder builds (it
 * throws `TooManySpansError` beyond); metric decoders ignore it.
 */
export interface Decoders<T> {
  protobuf(bytes: Uint8Array, maxRecords: number): T;
  json(bytes: Uint8Array, maxRecords: number): T;
}

export interface OtlpReceiverOptions {
  limits: LimitsConfig;
  clock: Clock;
  logger: Logger;
  admission: Admission;
  stats: IngestStats;
  traces: Decoders<DecodedTraces>;
  metrics: Decoders<DecodedBreakerStates>;
  /**
   * Called one after another, in this order, each awaited before the next: durable sinks (the
   * SLO store) come first, so when one fails the in-memory sinks after it never saw the request.
   */
  spanSinks: readonly SpanSink[];
  breakerSinks: readonly BreakerStateSink[];
  /**
   * Holds every request before the sinks and sends it after them, when forwarding is on; a
   * request it cannot hold is refused with 503.
   */
  forward: ForwardIntake | undefined;
  /** Why new exports are refused with 503 (the collector is starting or shutting down), if they are. */
  unavailable(): string | undefined;
}

/**
 * The OTLP/HTTP receiver (`POST /v1/traces`, `POST /v1/metrics`): content negotiation, gzip,
 * limits, admission, decoding, delivery to the sinks, and answers per the OTLP/HTTP spec.
 * A request is answered 200 only after every sink resolved; any failure before that records
 * nothing: decoding finishes before any sink sees a span, and sinks run in order, so a failing
 * (durable) sink stops the request before the in-memory sinks after it apply it.
 */
export class OtlpReceiver {
  private readonly options: OtlpReceiverOptions;
  private readonly bodyTimeoutMs: number;
  /** Size cap, and how the 413 names it, per encoding. */
  private readonly bodyLimits: Record<OtlpEncoding, { maxBytes: number; limitName: string }>;
  private readonly recordFailures: RecordFailures;
  private readonly recentBatches = new RecentBatches();

  constructor(options: OtlpReceiverOptions) {
    this.options = options;
    this.recordFailures = new RecordFailures(options.stats.recordFailures, options.logger);
    this.bodyTimeoutMs = parseDuration(options.limits.bodyTimeout);
    const { maxBodyBytes, maxJsonBodyBytes } = options.limits;
    this.bodyLimits = {
      protobuf: { maxBytes: maxBodyBytes, limitName: 'limits.maxBodyBytes' },
      // The schema keeps the JSON limit at or below maxBodyBytes.
      json:
        maxJsonBodyBytes < maxBodyBytes
          ? {
              maxBytes: maxJsonBodyBytes,
              limitName: `limits.maxJsonBodyBytes, for OTLP/JSON; send smaller batches, or protobuf (application/x-protobuf), accepted up to ${maxBodyBytes} bytes`,
            }
          : { maxBytes: maxBodyBytes, limitName: 'limits.maxBodyBytes' },
    };
  }

  routes(): Route[] {
    return [
      {
        method: 'POST',
        path: COLLECTOR_PATHS.TRACES,
        scope: 'ingest',
        handle: (req, res) => this.handle('traces', req, res),
      },
      {
        method: 'POST',
        path: COLLECTOR_PATHS.METRICS_INGEST,
        scope: 'ingest',
        handle: (req, res) => this.handle('metrics', req, res),
      },
    ];
  }

  private async handle(signal: OtlpSignal, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const o = this.options;
    const contentType = req.headers['content-type'];
    const encoding = encodingOf(contentType);
    if (encoding === undefined) {
      o.stats.requests.add([signal, 'unknown', '415']);
      send(
        res,
        415,
        'application/json',
        encodeStatus(
          'json',
          RPC_CODE.INVALID_ARGUMENT,
          `unsupported content type "${contentType ?? ''}": use application/x-protobuf or application/json`,
        ),
        {},
        true,
      );
      return;
    }
    // `close`: whether to end the connection after the answer (when the body was not read whole,
    // the unread rest would otherwise be parsed as the next request, or never read at all).
    const reply = (
      status: number,
      code: number,
      message: string,
      headers: Record<string, string> = {},
      close = status !== 400,
    ) => {
      o.stats.requests.add([signal, encoding, String(status)]);
      send(res, status, contentTypeOf(encoding), encodeStatus(encoding, code, message), headers, close);
    };
    const retryAfter = { 'retry-after': String(o.limits.retryAfterSeconds) };
    const contentEncoding = contentEncodingOf(req.headers['content-encoding']);
    if (contentEncoding === undefined) {
      reply(
        415,
        RPC_CODE.INVALID_ARGUMENT,
        `unsupported content encoding "${req.headers['content-encoding']}": use gzip, deflate or none`,
      );
      return;
    }
    const unavailable = o.unavailable();
    if (unavailable !== undefined) {
      reply(503, RPC_CODE.UNAVAILABLE, unavailable, retryAfter);
      return;
    }
    if (!o.admission.tryEnter()) {
      reply(429, RPC_CODE.RESOURCE_EXHAUSTED, 'too many export requests in flight; retry later', retryAfter);
      return;
    }
    let reserved = 0;
    /** The request as held for forwarding, until it is sent or (on any failure) dropped. */
    let held: HeldForward | undefined;
    /** Charges decoded records to the in-flight budget, beside the body. */
    const holdDecoded = (bytes: number): void => {
      if (!o.admission.tryReserve(bytes))
        throw new BodyError(429, 'too much ingest data in flight; retry later');
      reserved += bytes;
    };
    try {
      const body = await readBody(req, {
        encoding: contentEncoding,
        ...this.bodyLimits[encoding],
        reserve: (bytes) => {
          if (!o.admission.tryReserve(bytes)) return false;
          reserved += bytes;
          return true;
        },
        keepRaw: o.forward !== undefined,
        timeoutMs: this.bodyTimeoutMs,
        clock: o.clock,
      });
      o.stats.bytes.add([signal, 'wire'], body.wireBytes);
      o.stats.bytes.add([signal, 'decoded'], body.data.length);
      if (encoding === 'json') {
        // Charged before parsing: JSON.parse builds the whole tree at once, many times the
        // body's size for a body of tiny values.
        const tree = estimateJsonTreeBytes(body.data);
        if (tree > o.limits.maxInFlightBytes - reserved) throw new JsonTooLargeError(body.data.length);
        holdDecoded(tree);
      }
      const receivedAtMs = o.clock.now();
      let response: string | Uint8Array;
      /** Holds the request for forwarding, before any sink sees it; throws when it cannot. */
      const holdForward = (): HeldForward | undefined => {
        if (o.forward === undefined || body.raw === undefined) return undefined;
        const held = o.forward.hold({
          signal,
          body: body.raw,
          contentType: contentType!,
          contentEncoding: forwardedEncoding(contentEncoding),
        });
        if (held === undefined) throw new ForwardUnavailableError();
        return held;
      };
      if (signal === 'traces') {
        // No more spans than the budget could hold with this request alone: the decode stops
        // there, so a body of tiny spans never builds several times its size in records.
        const maxSpans = Math.floor((o.limits.maxInFlightBytes - reserved) / DECODED_SPAN_BYTES);
        const decoded = decodeStage(o.traces, encoding, body.data, maxSpans);
        holdDecoded(decoded.spans.length * DECODED_SPAN_BYTES);
        const key = batchKey(decoded.spans);
        const settle = key === undefined ? undefined : await this.recentBatches.claim(key);
        // A batch recorded before (resent by an exporter that got no answer) is answered as it was
        // then, and neither recorded nor forwarded again.
        const duplicate = key !== undefined && settle === undefined;
        try {
          if (!duplicate) held = holdForward();
          if (settle !== undefined) {
            // One by one (not Promise.all): a sink must not apply a request a sink before it failed.
            for (const sink of o.spanSinks) {
              const done = sink(decoded.spans, receivedAtMs);
              if (done !== undefined) await done;
            }
          }
        } catch (error) {
          settle?.(false);
          throw error;
        }
        settle?.(true);
        if (duplicate) o.stats.spans.add(['duplicate'], decoded.spans.length);
        else {
          o.stats.spans.add(['accepted'], decoded.spans.length);
          o.stats.spans.add(['rejected'], decoded.rejectedSpans);
        }
        response = encodeExportResponse(
          encoding,
          'rejectedSpans',
          decoded.rejectedSpans,
          decoded.rejectionMessage,
        );
      } else {
        const decoded = decodeStage(o.metrics, encoding, body.data, Number.POSITIVE_INFINITY);
        held = holdForward();
        if (decoded.points.length > 0) for (const sink of o.breakerSinks) sink(decoded.points);
        o.stats.breakerPoints.add(['accepted'], decoded.points.length);
        o.stats.breakerPoints.add(['rejected'], decoded.rejectedPoints);
        response = encodeExportResponse(
          encoding,
          'rejectedDataPoints',
          decoded.rejectedPoints,
          decoded.rejectionMessage,
        );
      }
      held?.send();
      held = undefined;
      o.stats.requests.add([signal, encoding, '200']);
      this.recordFailures.succeeded();
      send(res, 200, contentTypeOf(encoding), response);
    } catch (error) {
      held?.drop();
      if (error instanceof BodyError) {
        const code =
          error.status === 400
            ? RPC_CODE.INVALID_ARGUMENT
            : error.status === 503
              ? RPC_CODE.UNAVAILABLE
              : RPC_CODE.RESOURCE_EXHAUSTED;
        const retry = error.status === 429 || error.status === 503;
        // The body stopped being read (bad gzip, too large, too slow): close the connection.
        reply(error.status, code, error.message, retry ? retryAfter : {}, true);
      } else if (error instanceof ForwardUnavailableError) {
        // The destination counted and logged the spool's failure; nothing was recorded.
        reply(503, RPC_CODE.UNAVAILABLE, error.message, retryAfter, false);
      } else if (error instanceof JsonTooLargeError) {
        reply(
          413,
          RPC_CODE.RESOURCE_EXHAUSTED,
          `OTLP/JSON body of ${error.bytes} bytes: parsed, it could hold more than the in-flight budget (limits.maxInFlightBytes) allows; send smaller batches, or protobuf (application/x-protobuf)`,
          {},
          false,
        );
      } else if (error instanceof TooManySpansError) {
        reply(
          413,
          RPC_CODE.RESOURCE_EXHAUSTED,
          `${error.message}: decoded, they would hold more than the in-flight budget (limits.maxInFlightBytes) allows; send smaller batches`,
          {},
          false,
        );
      } else if (error instanceof OtlpDecodeError) {
        // A decoder that threw something unforeseen is worth a look: warn, with the stack.
        if (error.cause === undefined)
          o.logger.debug({ signal, encoding, err: error.message }, 'malformed OTLP request');
        else
          o.logger.warn({ signal, encoding, err: error.cause }, 'OTLP request the decoder did not foresee');
        reply(400, RPC_CODE.INVALID_ARGUMENT, error.message);
      } else {
        // A sink failed: nothing was acknowledged, the exporter retries.
        this.recordFailures.failed(signal, error);
        reply(503, RPC_CODE.UNAVAILABLE, 'failed to record the data; retry later', retryAfter);
      }
    } finally {
      o.admission.release(reserved);
      o.admission.leave();
    }
  }
}

/** A request a forward spool cannot write: acknowledged, it would be lost downstream by a restart. */
class ForwardUnavailableError extends Error {
  override readonly name = 'ForwardUnavailableError';

  constructor() {
    super('cannot keep the request for forwarding (a forward spool cannot be written); retry later');
  }
}

/** A JSON body whose parse tree could not fit in the in-flight budget even on its own. */
class JsonTooLargeError extends Error {
  override readonly name = 'JsonTooLargeError';
  readonly bytes: number;

  constructor(bytes: number) {
    super(`OTLP/JSON body of ${bytes} bytes does not fit the in-flight budget once parsed`);
    this.bytes = bytes;
  }
}

/**
 * Runs the decoder for the body's encoding. Whatever it throws is the payload's fault, never the
 * sinks': an unexpected error (a decoder that did not foresee some input) is still a 400, so the
 * exporter does not retry the same bytes forever. It keeps the original error as its `cause`.
 */
function decodeStage<T>(
  decoders: Decoders<T>,
  encoding: OtlpEncoding,
  bytes: Uint8Array,
  maxRecords: number,
): T {
  try {
    return encoding === 'protobuf' ? decoders.protobuf(bytes, maxRecords) : decoders.json(bytes, maxRecords);
  } catch (error) {
    if (error instanceof OtlpDecodeError || error instanceof TooManySpansError) throw error;
    throw new OtlpDecodeError(`could not decode the payload: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
    });
  }
}
