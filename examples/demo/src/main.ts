/**
 * The demo runner: parses flags, plays the story, and stops every child process on success,
 * failure and Ctrl-C. Exit codes: 0 the story happened as told (also when a `--keep` run is
 * then stopped with Ctrl-C), 1 a stage failed, 2 usage, 130 interrupted mid-story.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Children } from './children.ts';
import { DemoLog } from './log.ts';
import { type DemoOptions, HELP, parseOptions } from './options.ts';
import { Interrupted, StageFailure, Story } from './story.ts';

export async function main(argv: readonly string[]): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }

  const log = new DemoLog();
  const children = new Children();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'breakwater-demo-'));
  let interrupted = false;
  /** After a successful `--keep` run the data dir outlives the demo. */
  let keeping = false;
  let cleaning: Promise<void> | undefined;
  const cleanup = (keepData: boolean): Promise<void> => {
    cleaning ??= (async () => {
      await children.stopAll();
      if (!keepData) await rm(dataDir, { recursive: true, force: true });
    })();
    return cleaning;
  };

  // Ctrl-C: stop every child by PID and exit 130; a second Ctrl-C kills them at once.
  const exitOnInterrupt = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (interrupted) {
        children.killAll();
        return;
      }
      interrupted = true;
      const pids = children.pids();
      log.line(
        'stop',
        `${signal}: stopping ${pids.length} child ${pids.length === 1 ? 'process' : 'processes'} (${pids.join(' ')})`,
        'yellow',
      );
      void cleanup(keeping).then(() => {
        log.line('stop', 'every child process stopped', 'yellow');
        resolve(keeping ? 0 : 130);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  log.plain(
    log.paint(`Breakwater demo${options.short ? ' (short)' : ''}`, 'bold') +
      ' — an outage, the fleet breaker, and a canary judged by the gate. Ctrl-C stops everything.',
  );
  const story = new Story({
    log,
    children,
    timings: options.timings,
    dataDir,
    interrupted: () => interrupted,
  });

  const played = (async (): Promise<number> => {
    try {
      await story.play();
    } catch (error) {
      if (error instanceof Interrupted || interrupted) return 130;
      if (error instanceof StageFailure) {
        log.line('FAILED', `stage "${error.stage}": ${error.message}`, 'red');
      } else {
        log.line(
          'FAILED',
          `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          'red',
        );
      }
      await cleanup(false);
      return 1;
    }
    log.line('done', `the story happened as told in ${log.elapsed().toFixed(1)}s`, 'green');
    if (options.keep) {
      keeping = true;
      await story.stopAllButCollector();
      log.line(
        'keep',
        `collector still running: ${story.collectorUrl}  (status page ${story.collectorUrl}/)`,
        'bold',
      );
      log.line('keep', `try: curl ${story.collectorUrl}/v1/slos · /v1/signals/active · /metrics`, 'dim');
      log.line('keep', `data dir ${dataDir} is kept; Ctrl-C stops the collector`, 'dim');
      return await new Promise<number>(() => {}); // until Ctrl-C
    }
    await cleanup(false);
    return 0;
  })();

  const code = await Promise.race([played, exitOnInterrupt]);
  if (interrupted) await cleaning;
  else await cleanup(options.keep && code === 0);
  return code;
}
