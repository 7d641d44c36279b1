import { ManualClock } from '@breakwater/protocol';
import { OtelListener, setDefaultListener } from '@breakwater/resilience';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DependencyLimits } from '../dependency-limits.ts';
import { createGuard } from '../guard.ts';
import { PolicyResolver, type PolicyRule } from '../policies.ts';

const NO_DATA = { input: undefined, adaptFallback: undefined };

/**
 * The real guard, policy resolver and listener (as the default listener, so a test can read it)
 * on a manual clock, with `call` (one call through the guard) and `outcome` (`ok`, `failed` or
 * `refused` by an open breaker).
 */
export function guardSetup(
  limits: DependencyLimits,
  rules: PolicyRule[] = [],
  meterProvider = new MeterProvider(),
) {
  const clock = new ManualClock(1_000_000);
  const listener = new OtelListener({ meterProvider });
  setDefaultListener(listener);
  const policies = new PolicyResolver(rules, { maxCached: limits.maxDependencies ?? 400 });
  const guard = createGuard({ clock, policyFor: (d) => policies.resolve(d), limits });
  const call = (dependency: string, op: () => Promise<unknown> = async () => 'ok') =>
    guard
      .pipeline(
        dependency,
        policies.resolve(dependency),
        dependency.startsWith('tool/') ? 'pipeline' : 'client',
      )
      .execute(op, { data: NO_DATA });
  const outcome = (dependency: string, op?: () => Promise<unknown>) =>
    call(dependency, op).then(
      () => 'ok',
      (e: { classification?: { category?: string } }) =>
        e.classification?.category === 'circuit_open' ? 'refused' : 'failed',
    );
  return { clock, listener, policies, guard, call, outcome };
}
