/**
 * A SQLite file of the collector's (its SLO store, a forward spool) cannot be used; the message
 * names the file and says why. Each file has its own subclass, so the CLI and logs tell them apart.
 */
export abstract class FileOpenError extends Error {
  /** As in `StartupError`: the environment refused (a lock, a directory), not the configuration. */
  readonly kind = 'runtime';
  readonly path: string;

  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}
