import { defaultLogger } from './default-logger.ts';

/**
 * The app's line logger, safe to call from anywhere: a line it throws on goes to standard error
 * ({@link defaultLogger}) with what it threw. Breakwater logs from timers and background loops
 * (override expiry, the control client, exports), where a throw would crash the app.
 */
export function safeLogger(logger: (message: string) => void): (message: string) => void {
  if (logger === defaultLogger) return logger;
  return (message) => {
    try {
      logger(message);
    } catch (error) {
      defaultLogger(`${message} (the app's logger threw on this line: ${String(error)})`);
    }
  };
}
