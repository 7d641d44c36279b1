import type { z } from 'zod';
import type { GateConfig } from '../evaluate/gate/config.ts';
import { unknownGateSloNames } from '../evaluate/gate/slo-names.ts';
import { clashingAlertLabels } from './alert-label-clash.ts';
import { listenAuthProblem } from './listen-auth.ts';
import type { SloDefinition } from './slo/definition.ts';
import { resolveSlos, type SloConfig } from './slo/resolve.ts';

/** The parts of the parsed configuration that {@link checkAcrossSections} reads. */
export type CrossSectionInput = SloConfig & {
  listen: string;
  auth: { tokens: readonly unknown[] };
  gate: Pick<GateConfig, 'slos' | 'exclude'>;
  alertmanager: { labels: Readonly<Record<string, string>> };
};

/**
 * Rules that relate keys of different sections, run as the last step of schema validation so
 * that `check-config` and `serve` (and every other caller of `parseConfig`) report them alike,
 * with file, line and document path. Zod runs it only when every section parsed on its own.
 */
export function checkAcrossSections(config: CrossSectionInput, ctx: z.RefinementCtx): void {
  const listen = listenAuthProblem(config.listen, config.auth.tokens);
  if (listen !== undefined) ctx.addIssue({ code: 'custom', path: ['listen'], message: listen });

  let slos: SloDefinition[];
  try {
    slos = resolveSlos(config);
  } catch {
    return; // an SLO that cannot be resolved is reported where the SLO engine resolves it
  }
  const sloNames = slos.map((d) => d.name);
  for (const problem of unknownGateSloNames(config.gate, sloNames))
    ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  for (const clash of clashingAlertLabels(config.alertmanager.labels, slos))
    ctx.addIssue({ code: 'custom', path: ['alertmanager', 'labels', clash.key], message: clash.message });
}
