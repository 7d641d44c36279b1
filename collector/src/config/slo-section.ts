import { z } from 'zod';

/**
 * Top-level keys for SLOs, evaluation and alerting.
 * (Placeholder: owned by the sli/store/evaluate work.)
 */
export const SloSectionSchema = z.object({});
