/**
 * The fleet control client: applies the collector's breaker signals to local breakers.
 * @module
 */
export { fullJitterDelay } from './backoff.ts';
export {
  type ControlClient,
  type ControlClientOptions,
  type ControlLogger,
  type ControlStats,
  startControlClient,
} from './client.ts';
export type { OverrideTarget } from './override-table.ts';
export { type SseEvent, type SseHandlers, SseOverflowError, SseParser } from './sse-parser.ts';
