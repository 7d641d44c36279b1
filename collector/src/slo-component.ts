import type { CollectorComponent, ComponentContext } from './component.ts';

/**
 * The SLO engine as a collector component: sli → store → evaluate → act for SLOs.
 * (Placeholder until the SLO engine lands: consumes nothing, serves nothing.)
 */
export async function createSloComponent(_context: ComponentContext): Promise<CollectorComponent> {
  return { name: 'slo' };
}
