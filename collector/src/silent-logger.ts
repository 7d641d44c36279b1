import type { Logger } from './component.ts';

/** A logger that drops everything (for code whose caller reports outcomes itself, and tests). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
