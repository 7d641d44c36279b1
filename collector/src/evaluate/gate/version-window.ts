import type { GateConfig } from './config.ts';
import type { GateSloDefinition } from './data-source.ts';
import { sloRules } from './evaluate-gate.ts';

/**
 * The longest window the gate reads one `service.version` of `def` over: its gate window and
 * fast-burn windows (the SLO's overrides included) and the recovery window of
 * `GET /v1/gate/health`. A version that took no event for that long reads as having none to
 * every gate rule, so its series can be retired (see `sli/retire.ts`) without changing an answer.
 * Burn-rate alerts read no single version: they sum a service's versions per `groupBy` group,
 * which retirement keeps whole.
 */
export function longestVersionWindowMs(config: GateConfig, def: GateSloDefinition): number {
  const rules = sloRules(config, def, false);
  return Math.max(
    rules.windowMs,
    config.recoveryWindow,
    ...rules.fastBurn.flatMap((r) => [r.longWindowMs, r.shortWindowMs]),
  );
}
