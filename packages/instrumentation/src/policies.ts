/**
 * Per-dependency policies. A dependency key (`openai/gpt-4o`, `anthropic/claude-sonnet-4-5`,
 * `tool/search_web`) picks its policy from the defaults for its kind, then from every user rule
 * whose pattern matches, later rules overriding earlier ones field by field (except that only
 * a rule naming tools switches a tool's retries on: see `toolSafe`).
 *
 * The `*Settings` types here are plain data; `@breakwater/resilience`'s `RetryPolicy`,
 * `FallbackPolicy` (and `CircuitBreaker`, `Bulkhead`) are the policy objects built from them.
 */

import type { Jitter } from '@breakwater/resilience';
import { diag } from '@opentelemetry/api';
import { AWS_BEDROCK, AZURE_OPENAI, GCP_VERTEX_AI, OPENAI } from './client/endpoint.ts';
import { checkMaxCount, DEFAULT_MAX_DEPENDENCIES } from './dependency-limits.ts';
import { validatePolicyRules } from './policy-validation.ts';

/** Retry settings. `maxAttempts` counts the first attempt: 3 means one call and up to two retries. */
export interface RetrySettings {
  readonly maxAttempts: number;
  /** First backoff delay before jitter. */
  readonly baseDelayMs: number;
  /**
   * Cap on any single backoff delay (a provider's Retry-After is capped by `maxRetryAfterMs`).
   * Set in one place with `baseDelayMs`, it must be at least that; where rules stack so that it
   * ends up below `baseDelayMs`, the cap is `baseDelayMs`.
   */
  readonly maxDelayMs: number;
  readonly jitter: Jitter;
  /** Longest Retry-After honoured: a longer hint ends the retries (resilience's `maxRetryAfterMs`). */
  readonly maxRetryAfterMs: number;
}

/**
 * Circuit breaker settings: the breaker opens on `failureRatio` over `windowMs` once `minimumCalls`
 * calls were seen; with `minimumCalls <= 1` it opens on `consecutiveFailures` instead.
 */
export interface BreakerSettings {
  /** Failure ratio over the window that opens the breaker, 0..1. */
  readonly failureRatio: number;
  /** Calls needed in the window before the ratio is trusted. */
  readonly minimumCalls: number;
  /** Consecutive dependency failures that open the breaker (used when `minimumCalls <= 1`). */
  readonly consecutiveFailures: number;
  readonly windowMs: number;
  /** How long the breaker stays open before letting a probe through. */
  readonly openMs: number;
}

/** Bulkhead settings: how many calls may run at once, and how many may wait. */
export interface BulkheadSettings {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
}

/** What a fallback receives: the error that made the pipeline give up and the original input. */
export interface FallbackContext<I> {
  readonly error: unknown;
  readonly dependency: string;
  readonly input: I;
}

/**
 * Fallback settings: a named function that answers in place of the dependency. For LLM calls
 * `run` returns a response body shaped like the provider's (for example a `ChatCompletion`); the
 * client parses it as if the provider had sent it, so `.withResponse()` keeps working. Fallbacks
 * apply to non-streaming LLM calls and to tools.
 */
export interface FallbackSettings<I = unknown, O = unknown> {
  readonly name: string;
  readonly run: (context: FallbackContext<I>) => O | Promise<O>;
}

/** The full policy for one dependency. `false` switches a policy off. */
export interface DependencyPolicy {
  /**
   * Per-attempt timeout. For LLM calls it bounds the whole answer of a plain call (headers and
   * body, unless the app reads the body raw) and, for streams, the wait for the response headers (Anthropic's: the first event) and
   * each wait of the app for the next chunk.
   */
  readonly timeoutMs: number | false;
  readonly retry: RetrySettings | false;
  readonly breaker: BreakerSettings | false;
  readonly bulkhead: BulkheadSettings | false;
  readonly fallback: FallbackSettings | false;
}

/** A user rule: a glob over dependency keys (`*` matches any run of characters) and overrides. */
export interface PolicyRule {
  readonly match: string;
  readonly policy: PolicyOverrides;
}

/** Field-by-field overrides; nested objects merge with the policy they override. */
export type PolicyOverrides = {
  readonly timeoutMs?: number | false;
  readonly retry?: Partial<RetrySettings> | false;
  readonly breaker?: Partial<BreakerSettings> | false;
  readonly bulkhead?: Partial<BulkheadSettings> | false;
  readonly fallback?: FallbackSettings | false;
};

const LLM_RETRY: RetrySettings = {
  maxAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  jitter: 'full',
  maxRetryAfterMs: 30_000,
};

const LLM_BULKHEAD: BulkheadSettings = { maxConcurrent: 64, maxQueue: 256 };

const LLM_BREAKER: BreakerSettings = {
  failureRatio: 0.5,
  minimumCalls: 10,
  consecutiveFailures: 5,
  windowMs: 30_000,
  openMs: 30_000,
};

/**
 * Defaults by kind of dependency (see the table in the README). LLM calls retry; tools do not by
 * default because a tool may have side effects that are not safe to repeat.
 */
export const DEFAULT_POLICIES: Readonly<Record<'openai' | 'anthropic' | 'llm' | 'tool', DependencyPolicy>> = {
  openai: {
    timeoutMs: 60_000,
    retry: LLM_RETRY,
    breaker: LLM_BREAKER,
    bulkhead: LLM_BULKHEAD,
    fallback: false,
  },
  anthropic: {
    timeoutMs: 120_000,
    retry: LLM_RETRY,
    breaker: LLM_BREAKER,
    bulkhead: LLM_BULKHEAD,
    fallback: false,
  },
  llm: {
    timeoutMs: 60_000,
    retry: LLM_RETRY,
    breaker: LLM_BREAKER,
    bulkhead: LLM_BULKHEAD,
    fallback: false,
  },
  tool: {
    timeoutMs: 30_000,
    retry: false,
    breaker: { ...LLM_BREAKER, consecutiveFailures: 10 },
    bulkhead: { maxConcurrent: 32, maxQueue: 128 },
    fallback: false,
  },
};

/** Compiles a glob (`*` = any run of characters, everything else literal) to a RegExp. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

type Kind = keyof typeof DEFAULT_POLICIES;

/** Dependency key prefixes of the providers that serve OpenAI's own models. */
const OPENAI_PREFIXES = [`${OPENAI}/`, `${AZURE_OPENAI}/`];
/** Prefixes of the cloud platforms that also serve Claude (`aws.bedrock/anthropic.claude-…`). */
const CLAUDE_PLATFORM_PREFIXES = [`${AWS_BEDROCK}/`, `${GCP_VERTEX_AI}/`];

function kindOf(key: string): Kind {
  if (key.startsWith('tool/')) return 'tool';
  if (OPENAI_PREFIXES.some((p) => key.startsWith(p))) return 'openai';
  if (key.startsWith('anthropic/')) return 'anthropic';
  // Claude answers as slowly on a cloud platform as at Anthropic: it keeps Anthropic's timeout.
  if (CLAUDE_PLATFORM_PREFIXES.some((p) => key.startsWith(p)) && key.includes('claude')) return 'anthropic';
  return 'llm';
}

/**
 * `over` merged onto `base`. A part switched off in `base` (a tool's `retry: false`) is switched
 * on from `defaults`, so the fields the override leaves out have the documented values.
 */
function mergePart<T extends object>(
  base: T | false,
  over: Partial<T> | false | undefined,
  defaults: T,
): T | false {
  if (over === undefined) return base;
  if (over === false) return false;
  return { ...(base === false ? defaults : base), ...over };
}

function applyOverrides(base: DependencyPolicy, over: PolicyOverrides): DependencyPolicy {
  return {
    timeoutMs: over.timeoutMs ?? base.timeoutMs,
    retry: mergePart(base.retry, over.retry, LLM_RETRY),
    breaker: mergePart(base.breaker, over.breaker, LLM_BREAKER),
    bulkhead: mergePart(base.bulkhead, over.bulkhead, LLM_BULKHEAD),
    fallback: over.fallback ?? base.fallback,
  };
}

interface CompiledRule {
  readonly match: string;
  readonly re: RegExp;
  readonly policy: PolicyOverrides;
  /** Whether the pattern is for tools by name (`tool/…`), not a broad one that happens to match. */
  readonly namesTools: boolean;
  warned: boolean;
}

/**
 * A rule's overrides as they apply to a tool. Retrying a tool repeats its side effects, so only a
 * rule that names tools (`tool/…`) switches a tool's retries on; a broad rule (`*`, written to tune
 * LLM calls) leaves them off, once said in a warning, and may still tune retries already on.
 */
function toolSafe(
  rule: CompiledRule,
  policy: DependencyPolicy,
  warn: (message: string) => void,
): PolicyOverrides {
  const { retry, ...rest } = rule.policy;
  if (rule.namesTools || policy.retry !== false || retry === undefined || retry === false) return rule.policy;
  if (!rule.warned) {
    rule.warned = true;
    warn(
      `policy rule "${rule.match}" sets retry, which tools leave off (a retry repeats a ` +
        "tool's side effects); it applies to tools without it. Match tools by name to retry them " +
        "(`match: 'tool/*'`).",
    );
  }
  return rest;
}

/** Options of {@link PolicyResolver}. */
export interface PolicyResolverOptions {
  /**
   * Dependency keys whose policy is cached (default `DEFAULT_MAX_DEPENDENCIES`, 400). Past it the
   * oldest entry is dropped; resolving that key again gives the same policy object as before.
   */
  readonly maxCached?: number;
  /**
   * Where a warning about the rules goes (a broad rule's `retry`, which tools leave off); default
   * OpenTelemetry's `diag.warn`, silent unless a diag logger is set. `@breakwater/node`'s
   * `start()` passes its `logger`.
   */
  readonly warn?: (message: string) => void;
}

/**
 * Resolves and caches the policy for each dependency key. Rules are matched in order; every
 * matching rule applies, so put broad rules first and specific ones after.
 *
 * Keys of one kind matched by the same rules share one policy object, however many keys there
 * are and however often they are resolved again: that identity is what the guard's cache of
 * pipelines is keyed by.
 */
export class PolicyResolver {
  private readonly rules: ReadonlyArray<CompiledRule>;
  private readonly cache = new Map<string, DependencyPolicy>();
  private readonly warn: (message: string) => void;
  /** Policies by kind and matching rules: bounded by the rules, not by the keys. */
  private readonly merged = new Map<string, DependencyPolicy>();
  private readonly maxCached: number;

  /** @throws TypeError listing every invalid rule (nothing is configured then). */
  constructor(rules: readonly PolicyRule[] = [], options: PolicyResolverOptions = {}) {
    validatePolicyRules(rules);
    this.rules = rules.map((r) => ({
      match: r.match,
      re: globToRegExp(r.match),
      policy: r.policy,
      namesTools: r.match.startsWith('tool/'),
      warned: false,
    }));
    this.maxCached = checkMaxCount('maxCached', options.maxCached ?? DEFAULT_MAX_DEPENDENCIES);
    this.warn = options.warn ?? ((message) => diag.warn(`Breakwater: ${message}`));
  }

  resolve(key: string): DependencyPolicy {
    let policy = this.cache.get(key);
    if (policy !== undefined) return policy;
    policy = this.compute(key);
    // Oldest first: a miss costs a pass over the rules, and gives back the same object.
    if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, policy);
    return policy;
  }

  /** {@link resolve}, then `overrides` (per-call-site settings such as a tool's own policy). */
  resolveWith(key: string, overrides: PolicyOverrides | undefined): DependencyPolicy {
    const policy = this.resolve(key);
    return overrides === undefined ? policy : applyOverrides(policy, overrides);
  }

  private compute(key: string): DependencyPolicy {
    const kind = kindOf(key);
    let signature: string = kind;
    for (let i = 0; i < this.rules.length; i++) if (this.rules[i]!.re.test(key)) signature += `,${i}`;
    let policy = this.merged.get(signature);
    if (policy === undefined) {
      policy = DEFAULT_POLICIES[kind];
      for (const rule of this.rules) {
        if (!rule.re.test(key)) continue;
        policy = applyOverrides(policy, kind === 'tool' ? toolSafe(rule, policy, this.warn) : rule.policy);
      }
      this.merged.set(signature, policy);
    }
    return policy;
  }
}
