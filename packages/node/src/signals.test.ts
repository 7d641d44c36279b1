import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Runs an ES module script in a child process from this package's folder, from source. */
function runChild(script: string): { status: number | null; lines: string[]; stderr: string } {
  const child = spawnSync(
    process.execPath,
    ['--conditions=@breakwater/source', '--input-type=module', '--eval', script],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 30_000 },
  );
  return { status: child.status, lines: child.stdout.trim().split('\n'), stderr: child.stderr };
}

describe('installSignalHandlers', () => {
  it('leaves the exit to an app that listens with once(), registered before it', () => {
    // Before, the app's once-listener had already been removed when ours counted listeners: we
    // re-raised SIGTERM and killed the app in the middle of its own graceful shutdown.
    const { status, lines, stderr } = runChild(`
      import { installSignalHandlers } from './src/signals.ts';
      process.once('SIGTERM', () => {
        console.log('app: shutting down');
        setTimeout(() => {
          console.log('app: done');
          process.exit(0);
        }, 200);
      });
      installSignalHandlers(
        { forceFlush: async () => console.log('flushed'), shutdown: async () => console.log('shut down') },
        1000,
      );
      setInterval(() => {}, 1000);
      process.kill(process.pid, 'SIGTERM');
    `);
    assert.equal(status, 0, stderr);
    assert.deepEqual(lines, ['flushed', 'app: shutting down', 'app: done', 'shut down']);
  });

  it("holds the app's process.exit() after the signal until the shutdown flush is done", () => {
    // As `next start` does: its SIGTERM listener closes the server, then calls process.exit(143).
    // Before, that exit ended the process in the middle of the export of the last spans.
    const { status, lines, stderr } = runChild(`
      import { installSignalHandlers } from './src/signals.ts';
      process.on('SIGTERM', () => {
        setImmediate(() => {
          console.log('app: exit');
          process.exit(143);
        });
      });
      const shutdown = () =>
        new Promise((resolve) => setTimeout(() => { console.log('exported'); resolve(); }, 200));
      installSignalHandlers({ forceFlush: async () => {}, shutdown }, 5_000);
      setInterval(() => {}, 1000);
      process.kill(process.pid, 'SIGTERM');
    `);
    assert.equal(status, 143, stderr);
    assert.deepEqual(lines, ['app: exit', 'exported']);
  });

  it('exits with the held code once the wait is over, whatever the flush is doing', () => {
    const { status, lines, stderr } = runChild(`
      import { installSignalHandlers } from './src/signals.ts';
      process.on('SIGTERM', () => process.exit(3));
      installSignalHandlers({ forceFlush: async () => {}, shutdown: () => new Promise(() => {}) }, 100);
      setInterval(() => {}, 1000);
      process.kill(process.pid, 'SIGTERM');
    `);
    assert.equal(status, 3, stderr);
    assert.deepEqual(lines, ['']);
  });

  it('shuts down on beforeExit only after a call in retry back-off has finished', () => {
    // Before back-off timers kept the loop alive, beforeExit fired during the back-off: the SDK
    // shut down mid-call and the process exited with code 0 without the answer.
    const { status, lines, stderr } = runChild(`
      import { ConstantBackoff, Pipeline, noopListener } from '@breakwater/resilience';
      import { installSignalHandlers } from './src/signals.ts';
      installSignalHandlers({ forceFlush: async () => {}, shutdown: async () => console.log('shutdown') }, 1000);
      const pipeline = new Pipeline({
        dependency: 'openai/gpt-4o',
        listener: noopListener,
        retry: { maxAttempts: 2, backoff: new ConstantBackoff(150) },
      });
      pipeline
        .execute(async (ctx) => {
          if (ctx.attempt === 0) throw Object.assign(new Error('overloaded'), { status: 503 });
          return 'answer';
        })
        .then((value) => console.log('result ' + value));
    `);
    assert.equal(status, 0, stderr);
    assert.deepEqual(lines, ['result answer', 'shutdown']);
  });

  it('flushes on SIGTERM with a timeout beyond the longest Node timer', () => {
    // Before, setTimeout(finish, 3e9) fired after 1 ms: the process was killed before its flush.
    const { lines, stderr } = runChild(`
      import { installSignalHandlers } from './src/signals.ts';
      const flush = () => new Promise((resolve) => setTimeout(() => { console.log('flushed'); resolve(); }, 200));
      installSignalHandlers({ forceFlush: flush, shutdown: flush }, 3_000_000_000);
      setInterval(() => {}, 1000);
      process.kill(process.pid, 'SIGTERM');
    `);
    assert.deepEqual(lines, ['flushed'], stderr);
  });
});
