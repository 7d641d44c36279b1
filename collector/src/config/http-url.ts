/**
 * A URL the collector sends HTTP requests to (Alertmanager, a forwarding destination): http or
 * https only, with one message for every field that takes one.
 */
import { z } from 'zod';

/** An http:// or https:// URL. */
export const httpUrl = () => z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
