import { pino } from 'pino';
import type { Logger } from '../component.ts';

/**
 * Structured JSON logs on stderr (stdout stays free for command output). Synchronous writes, so
 * the last lines before an exit are never lost.
 */
export function createLogger(level: string): Logger {
  return pino(
    { level, base: { name: 'breakwater' }, serializers: { err: pino.stdSerializers.err } },
    pino.destination({ dest: 2, sync: true }),
  );
}
