import { z } from 'zod';
import { FleetSectionSchema } from '../evaluate/fleet/config.ts';
import { GateSectionSchema } from '../evaluate/gate/config.ts';
import { checkAcrossSections } from './cross-section-checks.ts';
import { ServerSectionSchema } from './server-section.ts';
import { SloSectionSchema } from './slo-section.ts';

/**
 * The whole collector configuration (YAML). Each section is owned by the stage that reads it
 * and defined in its own file; this file only composes them. Every section has defaults, so an
 * empty file (or no file) is a valid configuration. Rules relating sections live in
 * cross-section-checks.ts.
 */
export const CollectorConfigSchema = z
  .object({
    ...ServerSectionSchema.shape,
    ...SloSectionSchema.shape,
    ...FleetSectionSchema.shape,
    ...GateSectionSchema.shape,
  })
  .strict()
  .superRefine(checkAcrossSections);
export type CollectorConfig = z.infer<typeof CollectorConfigSchema>;
