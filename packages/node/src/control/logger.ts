import { diag } from '@opentelemetry/api';

/** Where the control client reports (default: the OpenTelemetry `diag` logger). */
export interface ControlLogger {
  debug(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
}

/** What the client accepts as a logger: a structured one, or a function taking one line per message. */
export type ControlLoggerOption = ControlLogger | ((message: string) => void) | undefined;

const diagLogger: ControlLogger = {
  debug: (message, details) => diag.debug(message, details),
  info: (message, details) => diag.info(message, details),
  warn: (message, details) => diag.warn(message, details),
};

/** The structured logger behind `logger`; a line logger gets info and warn, never debug. */
export function toLogger(logger: ControlLoggerOption): ControlLogger {
  if (logger === undefined) return diagLogger;
  if (typeof logger !== 'function') return logger;
  const line = (message: string, details?: Record<string, unknown>): void =>
    logger(details === undefined ? message : `${message} ${JSON.stringify(details)}`);
  // A line logger gets what matters to an operator: connections, changed overrides, drops.
  return { debug: () => {}, info: line, warn: line };
}

/** `ms` as an operator reads it: `45s`, `1.5s`, `3m20s`. */
export function seconds(ms: number): string {
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(1))}s`;
  const s = Math.round(ms / 1_000);
  return `${Math.floor(s / 60)}m${s % 60 === 0 ? '' : `${s % 60}s`}`;
}
