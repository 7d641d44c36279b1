import type { GateConfig } from './config.ts';

/** A configuration problem at a document path, before file positions are added. */
export interface PathProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Names under `gate.slos` and `gate.exclude` that match no SLO the collector runs. The gate
 * skips names it does not know, so a typo would silently drop a `required: true` (HALT turns
 * into PROCEED) or fail to exclude a sparse SLO: such names are configuration errors instead.
 */
export function unknownGateSloNames(
  gate: Pick<GateConfig, 'slos' | 'exclude'>,
  sloNames: readonly string[],
): PathProblem[] {
  const known = new Set(sloNames);
  const list = sloNames.length === 0 ? 'none' : sloNames.join(', ');
  const problems: PathProblem[] = [];
  for (const name of Object.keys(gate.slos)) {
    if (!known.has(name))
      problems.push({ path: ['gate', 'slos', name], message: `unknown SLO "${name}" (SLOs: ${list})` });
  }
  gate.exclude.forEach((name, i) => {
    if (!known.has(name))
      problems.push({ path: ['gate', 'exclude', i], message: `unknown SLO "${name}" (SLOs: ${list})` });
  });
  return problems;
}
