import { open, readFile, rename } from 'node:fs/promises';
import type { Logger } from '../component.ts';

/**
 * A small state file that each save replaces atomically (write a temporary file, fsync, rename),
 * so a crash leaves the old or the new content, never half of it. Saves made while a write runs
 * are coalesced: only the latest content is written next. Failures are logged, never thrown.
 */
export class ReplacedFile {
  readonly path: string;
  private readonly logger: Logger;
  /** Names the content in log messages, e.g. `gate incidents`. */
  private readonly what: string;
  private pending: string | undefined;
  private writing: Promise<void> | undefined;

  constructor(path: string, what: string, logger: Logger) {
    this.path = path;
    this.what = what;
    this.logger = logger;
  }

  /** The file's text; undefined when there is none or it cannot be read (which is logged). */
  async read(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.logger.error({ err: error, path: this.path }, `cannot read ${this.what}; starting without`);
      return undefined;
    }
  }

  /** Replaces the content; writes in the background (see {@link flush}). */
  save(text: string): void {
    this.pending = text;
    this.writing ??= this.drain();
  }

  /** Resolves once every save so far is on disk (or failed, which is logged). */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending !== undefined) {
        const text = this.pending;
        this.pending = undefined;
        try {
          await this.write(text);
        } catch (error) {
          this.logger.error({ err: error, path: this.path }, `cannot save ${this.what}`);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(text: string): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
  }
}
