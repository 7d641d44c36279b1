import { z } from 'zod';

/**
 * Top-level keys for the listener, auth, limits, storage location and OTLP forwarding.
 * (Placeholder: owned by the receive/serve work.)
 */
export const ServerSectionSchema = z.object({});
