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
 */
export interface Policy {
  run<T>(ctx: CallContext, next: Next<T>): Promise<T>;
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
 * retry inside the timeout. The chain is itself a policy, so chains nest.
 */
export class PolicyChain implements Policy {
  readonly policies: readonly Policy[];
  private readonly dependency: string;

  constructor(policies: readonly Policy[], dependency = 'unknown') {
    this.policies = policies;
    this.dependency = dependency;
  }

  run<T>(ctx: CallContext, next: Next<T>): Promise<T> {
    let stage: Next<T> = next;
    for (let i = this.policies.length - 1; i >= 0; i--) stage = new Stage(this.policies[i]!, stage);
    return stage.run(ctx);
  }

  /** Runs `fn` through the chain. */
  execute<T, TData = unknown>(fn: Operation<T, TData>, options?: ExecuteOptions<TData>): Promise<T> {
    return executePolicy(this, fn, options, this.dependency);
  }
}

/** Composes policies, outermost first. */
export function wrap(...policies: Policy[]): PolicyChain {
  return new PolicyChain(policies);
}
