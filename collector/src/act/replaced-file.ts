import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import type { z } from 'zod';
import type { Logger } from '../component.ts';

/**
 * A small state file that each save replaces atomically (write a temporary file, fsync, rename),
 * so a crash leaves the old or the new content, never half of it. Saves made while a write runs
 * are coalesced: only the latest content is written next. Failures are counted
 * ({@link saveFailures}) and logged, never thrown: the log says when a run of them starts and when
 * saving works again.
 */
export class ReplacedFile {
  readonly path: string;
  /** The file's name in the data directory, the `file` label of its save failures. */
  readonly name: string;
  /**
   * Saves that failed (disk full, read-only, I/O error): until one succeeds, a restart comes back
   * to what the file held before them.
   */
  saveFailures = 0;
  /** Whether the last write failed: the file holds older content than the last save. */
  failing = false;
  private readonly logger: Logger;
  /** Names the content in log messages, e.g. `gate incidents`. */
  private readonly what: string;
  private pending: string | undefined;
  private writing: Promise<void> | undefined;

  constructor(path: string, what: string, logger: Logger) {
    this.path = path;
    this.name = basename(path);
    this.what = what;
    this.logger = logger;
  }

  /** The file's text; undefined when there is none or it cannot be read (which is logged). */
  private async read(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.logger.error({ err: error, path: this.path }, `cannot read ${this.what}; starting without`);
      return undefined;
    }
  }

  /**
   * The file's content as `schema` reads it; undefined when there is none, it cannot be read, or
   * it is not what `schema` takes (each logged): a damaged file must not keep the collector from
   * starting, and the next save replaces it.
   */
  async readJson<T>(schema: z.ZodType<T>): Promise<T | undefined> {
    const text = await this.read();
    if (text === undefined) return undefined;
    try {
      return schema.parse(JSON.parse(text));
    } catch (error) {
      this.logger.error({ err: error, path: this.path }, `${this.what} file is invalid; starting without`);
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
          if (this.failing) this.logger.info({ path: this.path }, `saving ${this.what} works again`);
          this.failing = false;
        } catch (error) {
          this.saveFailures++;
          // Once per run of failures: a full disk fails every save alike.
          if (!this.failing)
            this.logger.error(
              { err: error, path: this.path },
              `cannot save ${this.what}: a restart would start from older state (counted in the state_save_failures_total metrics)`,
            );
          this.failing = true;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(text: string): Promise<void> {
    const tmp = `${this.path}.tmp`;
    try {
      const file = await open(tmp, 'w');
      try {
        await file.writeFile(text);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, this.path);
    } catch (error) {
      // A half-written copy would hold space a full disk needs back; the next save writes anew.
      await rm(tmp, { force: true }).catch(() => {});
      throw error;
    }
  }
}
