import {
  DEFAULT_COLLECTOR_HOST,
  DEFAULT_COLLECTOR_PORT,
  parseDuration,
  TOKEN_SCOPES,
} from '@breakwater/protocol';
import { z } from 'zod';
import { derivedDefault } from './derived-default.ts';
import { checkDistinctSpools } from './forward-spool.ts';
import { checkRequestTimeoutCoversBody } from './http-timeouts.ts';
import { checkFetchTarget, httpUrl, requestHeaders } from './http-url.ts';
import { parseListenAddress } from './listen-address.ts';
import { fitsTimer, TIMER_LIMIT_MESSAGE } from './timer-limit.ts';
import { checkUniqueTokens } from './unique-tokens.ts';

const MiB = 1024 * 1024;
/** The OTLP/JSON body limit OTLP/HTTP recommends, unless `maxBodyBytes` is lower. */
const DEFAULT_MAX_JSON_BODY_BYTES = 20 * MiB;

/**
 * A duration string such as `30s`, `500ms` or `5m` (parsed with the protocol's one parser). Every
 * one of them here is a timeout, so it must fit a timer.
 */
const Duration = z.string().superRefine((text, ctx) => {
  try {
    if (!fitsTimer(parseDuration(text))) ctx.addIssue({ code: 'custom', message: TIMER_LIMIT_MESSAGE });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** Bearer token entry. `${ENV}` references are substituted when the file is loaded. */
export const TokenSchema = z
  .object({
    /** The secret. At least 16 characters: tokens guard a network-reachable listener. */
    token: z
      .string()
      .min(16, 'tokens must be at least 16 characters long')
      // An Authorization header carries the token as one word after `Bearer`, and as bytes: the
      // server reads them as Latin-1, so a token with other characters could never match.
      .regex(
        /^[\x21-\x7e]+$/,
        'tokens must be printable ASCII, without spaces or other whitespace (an Authorization header carries them)',
      ),
    /** `ingest` (OTLP), `subscribe` (signal stream), `admin` (everything, incl. APIs and /metrics). */
    scopes: z.array(z.enum(TOKEN_SCOPES)).min(1, 'give at least one scope'),
    /** Label for logs; the token itself is never logged. */
    name: z
      .string()
      .optional()
      .meta(derivedDefault('`token#<n>`, its position in `auth.tokens` counted from 1')),
  })
  .strict();
export type TokenConfig = z.infer<typeof TokenSchema>;

export const AuthSchema = z
  .object({
    /** Accepted bearer tokens, each secret once. Empty = no auth, allowed only on a loopback listener. */
    tokens: z.array(TokenSchema).superRefine(checkUniqueTokens).default([]),
  })
  .strict();

/** Ingest limits: a request beyond them is refused instead of buffered. */
export const LimitsSchema = z
  .object({
    /** Largest OTLP body, measured after decompression (OTLP/HTTP suggests 64 MiB) → 413. */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(64 * MiB),
    /**
     * Largest OTLP/JSON body after decompression → 413; at most `maxBodyBytes`. Lower than
     * protobuf's: `JSON.parse` builds the whole tree at once and blocks the event loop meanwhile,
     * and its tree (estimated from the body's structure, and charged to `maxInFlightBytes` before
     * parsing) is up to ~20 times the body's size for a body of `{}`. Protobuf bodies are decoded
     * in place.
     */
    maxJsonBodyBytes: z
      .number()
      .int()
      .positive()
      .optional()
      .meta(
        derivedDefault('20 MiB (`20971520`, the limit OTLP/HTTP recommends), or `maxBodyBytes` if lower'),
      ),
    /** Concurrent ingest requests; one more is answered 429 with Retry-After. */
    maxInFlightRequests: z.number().int().positive().default(64),
    /** Bytes (received and decompressed) held by in-flight ingest requests → 429 beyond. */
    maxInFlightBytes: z
      .number()
      .int()
      .positive()
      .default(256 * MiB),
    /** `Retry-After` seconds on 429/503 answers. */
    retryAfterSeconds: z.number().int().positive().default(2),
    /** Time allowed to receive one request body → 503 with Retry-After (OTLP clients retry it). */
    bodyTimeout: Duration.default('30s'),
    /** Time allowed to receive a request's headers; the server answers 408 and closes beyond. */
    headersTimeout: Duration.default('10s'),
    /**
     * Time allowed to receive a whole request (headers and body); at least `headersTimeout +
     * bodyTimeout`. Streams are unaffected: it ends once the request is received.
     */
    requestTimeout: Duration.default('60s'),
    /**
     * How long an idle keep-alive connection stays open; longer than the idle timeout of load
     * balancers in front (AWS ALB: 60 s), so they never reuse a connection the collector is closing.
     */
    keepAliveTimeout: Duration.default('65s'),
  })
  .strict()
  .superRefine(checkRequestTimeoutCoversBody)
  .superRefine((limits, ctx) => {
    // A gzip request holds its received and its decompressed bytes at once: with less room than
    // that, a body the size limit accepts would be answered 429 forever, and exporters retry 429.
    const needed = 2 * limits.maxBodyBytes;
    if (limits.maxInFlightBytes < needed) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxInFlightBytes'],
        message: `must be at least twice maxBodyBytes (${needed}): one gzip request holds its received and its decompressed bytes`,
      });
    }
    // Any body above maxBodyBytes is refused first: a larger JSON limit would never apply.
    if (limits.maxJsonBodyBytes !== undefined && limits.maxJsonBodyBytes > limits.maxBodyBytes) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxJsonBodyBytes'],
        message: `must be at most maxBodyBytes (${limits.maxBodyBytes}), which limits every body; raise that too`,
      });
    }
  })
  .transform((limits) => ({
    ...limits,
    maxJsonBodyBytes: limits.maxJsonBodyBytes ?? Math.min(DEFAULT_MAX_JSON_BODY_BYTES, limits.maxBodyBytes),
  }));
export type LimitsConfig = z.infer<typeof LimitsSchema>;

/** One downstream OTLP/HTTP endpoint that receives the ingested bytes unchanged. */
export const ForwardSchema = z
  .object({
    /**
     * Base URL of the endpoint, like `OTEL_EXPORTER_OTLP_ENDPOINT` (e.g. `http://jaeger:4318`):
     * `/v1/traces` or `/v1/metrics` is appended.
     */
    url: httpUrl(),
    /** Extra request headers (e.g. an API key for a hosted backend); `${ENV}` allowed. */
    headers: requestHeaders(),
    /** Which signals to forward. */
    signals: z
      .array(z.enum(['traces', 'metrics']))
      .min(1)
      .default(['traces']),
    /** Requests kept while the destination is slow or down; the oldest is dropped beyond. */
    maxQueueRequests: z.number().int().positive().default(1000),
    maxQueueBytes: z
      .number()
      .int()
      .positive()
      .default(64 * MiB),
    /** Concurrent requests to this destination. */
    concurrency: z.number().int().positive().max(64).default(2),
    /** Per-request timeout. */
    timeout: Duration.default('10s'),
    /** Attempts per request (the first included) for retryable failures (429, 502-504, network). */
    maxAttempts: z.number().int().positive().default(5),
    /**
     * Keep the queue in a SQLite file as well, so requests acknowledged but not yet forwarded
     * survive a restart or a crash and are forwarded first on the next start.
     */
    spool: z.boolean().default(false),
    /** The spool file (relative to the working directory); default `<dataDir>/forward-spool-<hash of endpoint>.db`. */
    spoolPath: z
      .string()
      .min(1)
      .optional()
      .meta(derivedDefault('`forward-spool-<hash of endpoint>.db` in `dataDir`')),
  })
  .strict()
  .superRefine((forward, ctx) => {
    if (forward.spoolPath !== undefined && !forward.spool) {
      ctx.addIssue({
        code: 'custom',
        path: ['spoolPath'],
        message: 'only used with spool: true (set spool: true, or remove spoolPath)',
      });
    }
    // What fetch itself would refuse on every request, found now rather than as retries that
    // all fail and drop the data.
    checkFetchTarget(forward, ctx);
  });
export type ForwardConfig = z.infer<typeof ForwardSchema>;

/**
 * Top-level keys for the listener, auth, limits, storage location and OTLP forwarding.
 * Every key has a default, so an empty file is a valid configuration.
 */
export const ServerSectionSchema = z.object({
  /** `host:port` of the single listener. */
  listen: z
    .string()
    .default(`${DEFAULT_COLLECTOR_HOST}:${DEFAULT_COLLECTOR_PORT}`)
    .superRefine((text, ctx) => {
      const parsed = parseListenAddress(text);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    }),
  /** Directory for durable state; created on start. Relative to the working directory. */
  dataDir: z.string().min(1).default('./.breakwater'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  auth: AuthSchema.prefault({}),
  limits: LimitsSchema.prefault({}),
  /** Downstream OTLP/HTTP endpoints (Jaeger, Tempo, an OpenTelemetry Collector). */
  forward: z.array(ForwardSchema).superRefine(checkDistinctSpools).default([]),
  /** How long shutdown waits for in-flight requests and flushes before closing connections. */
  shutdownTimeout: Duration.default('10s'),
});
export type ServerSection = z.infer<typeof ServerSectionSchema>;
