const OWN_NAME = 'breakwater ';

/**
 * Where start-up problems (and, without an app logger, the control client's lines) go when the
 * app gives no `logger`: standard error, tagged `[breakwater]`. A message that already names
 * Breakwater (`breakwater control stream connected`, worded for the app's own logger) is tagged
 * instead of naming it twice.
 */
export const defaultLogger = (message: string): void =>
  console.warn(`[breakwater] ${message.startsWith(OWN_NAME) ? message.slice(OWN_NAME.length) : message}`);
