import { attemptLimit } from './attempt-limit.ts';
import type { ExecuteOptions, Operation } from './context.ts';
import { CallContext } from './context.ts';
import type { MutableCallContext } from './mutable-context.ts';

/** The rest of a chain, as seen by one policy. */
export interface Next<T> {
  run(ctx: CallContext): Promise<T>;
}

/**
 * A resilience policy in a composable chain (cockatiel style): `run` does the policy's work
 * around `next.run(ctx)`. The optimised {@link Pipeline} calls policies' synchronous hooks
 * directly instead; `run` is what `wrap()` and each policy's own `execute()` use.
 *
 * `X` is what the policy may answer with in place of the operation's result: a fallback's value.
 * It is `never` for every policy that only passes the result on.
 */
export interface Policy<X = never> {
  run<T>(ctx: CallContext, next: Next<T>): Promise<T | X>;
}

/**
 * Key of a type-only member, never set at runtime, by which a policy that may answer in place of
 * the operation tells `wrap` what it answers with: TypeScript cannot read that from the generic
 * `run`.
 */
export const answersWith: unique symbol = Symbol('breakwater.answersWith');

/** A policy that may answer in place of the operation with an `X`: a fallback, or a chain with one outermost. */
export interface AnsweringPolicy<X> extends Policy<X> {
  readonly [answersWith]: X;
}

/** Innermost stage: calls the operation with the context. */
class OperationStage<T> implements Next<T> {
  private readonly fn: Operation<T>;
  constructor(fn: Operation<T>) {
    this.fn = fn;
  }
  async run(ctx: CallContext): Promise<T> {
    (ctx as MutableCallContext).sent++;
    return this.fn(ctx);
  }
}

/** Runs `fn` through `policy` with a fresh {@link CallContext}. */
export function executePolicy<T, TData>(
  policy: Policy,
  fn: Operation<T, TData>,
  options: ExecuteOptions<TData> | undefined,
  defaultDependency: string,
): Promise<T> {
  const ctx = new CallContext<TData>(
    options?.dependency ?? defaultDependency,
    options?.signal,
    options?.data,
  );
  // A retry inside stops at the caller's limit, as in a `Pipeline`.
  const maxAttempts = options?.maxAttempts;
  if (maxAttempts !== undefined) {
    try {
      (ctx as MutableCallContext<TData>).maxAttempts = attemptLimit(
        maxAttempts,
        `${policy.constructor.name}.execute`,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return policy.run(ctx as CallContext, new OperationStage(fn as Operation<T>));
}

class Stage<T> implements Next<T> {
  private readonly policy: Policy;
  private readonly next: Next<T>;
  constructor(policy: Policy, next: Next<T>) {
    this.policy = policy;
    this.next = next;
  }
  run(ctx: CallContext): Promise<T> {
    return this.policy.run(ctx, this.next);
  }
}

/**
 * Policies composed outermost first: `wrap(timeout, retry, breaker)` runs the breaker inside the
 * retry inside the timeout. The chain is itself a policy, so chains nest. `X` is what its
 * outermost policy may answer with in place of the operation's result (a fallback's value).
 */
export class PolicyChain<X = never> implements AnsweringPolicy<X> {
  declare readonly [answersWith]: X;
  readonly policies: readonly Policy<unknown>[];
  private readonly dependency: string;

  /**
   * Policies that pass the operation's result on; a chain whose outermost policy may answer in its
   * place (a fallback) is built by {@link wrap}, which types its result.
   */
  constructor(policies: readonly Policy[], dependency = 'unknown') {
    this.policies = policies;
    this.dependency = dependency;
  }

  run<T>(ctx: CallContext, next: Next<T>): Promise<T | X> {
    // Past the outermost policy only pass-through policies run (see `wrap`): each stage's result
    // is the operation's, and the outermost adds `X`.
    let stage = next as Next<T | X>;
    for (let i = this.policies.length - 1; i >= 0; i--) stage = new Stage(this.policies[i] as Policy, stage);
    return stage.run(ctx);
  }

  /** Runs `fn` through the chain. */
  execute<T, TData = unknown>(fn: Operation<T, TData>, options?: ExecuteOptions<TData>): Promise<T | X> {
    return executePolicy<T | X, TData>(this as Policy, fn, options, this.dependency);
  }
}

/**
 * Composes policies, outermost first. A policy that may answer in place of the operation (a
 * fallback, or a chain with one outermost) goes first, and the chain's result is typed with
 * what it may answer: `wrap(fallback, timeout, retry).execute(fn)` is a promise of the
 * operation's result or the fallback's.
 */
export function wrap<X>(outermost: AnsweringPolicy<X>, ...inner: Policy[]): PolicyChain<X>;
export function wrap(...policies: Policy[]): PolicyChain;
export function wrap(...policies: Policy<unknown>[]): PolicyChain<unknown> {
  // Only the outermost may answer in the operation's place (the overloads): the chain's `X`.
  return new PolicyChain(policies as Policy[]);
}
