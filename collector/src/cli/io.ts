/** What a command may touch, injected so tests can run commands in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

/** Write errors that mean only that the reader has gone (see {@link tolerateClosedOutput}). */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/**
 * Lets a reader that stops early (`breakwater gate … | head -1`, `| grep -q ROLLBACK`) close the
 * pipe without crashing the command: what is left to print has nowhere to go, but the command's
 * work (a rollback, its report) and its exit code stand. Any other write error still throws.
 */
export function tolerateClosedOutput(stream: NodeJS.WritableStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!READER_GONE.has(error.code ?? '')) throw error;
  });
}
