import type { Logger } from '../../component.ts';
import { ConfigError } from '../../config/config-error.ts';
import { CollectorService, StartupError } from '../../service.ts';
import { StoreOpenError } from '../../store/sqlite-store.ts';
import type { Command } from '../command.ts';
import { CONFIG_FLAG_HELP, CONFIG_FLAG_OPTIONS, type ConfigFlags, configOverrides } from '../config-flags.ts';
import { parseFlags } from '../flags.ts';
import type { CliIo } from '../io.ts';
import { loadForCli } from '../load-for-cli.ts';
import { createLogger } from '../logger.ts';
import { exitOnSignalUntilReady } from '../startup-signals.ts';
import { EXIT } from '../usage-error.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the collector (OTLP/HTTP ingest, SLOs, signals, /metrics)',
  help: `Usage: breakwater serve [options]

Runs the collector on one HTTP listener. Without --config it listens on 127.0.0.1:4318,
keeps state under ./.breakwater/ and applies the default SLO set. Logs go to stderr as JSON.
SIGINT/SIGTERM shut down gracefully (in-flight requests finish, state is flushed), exit 0; a
second signal exits at once. A signal before the collector is ready ends it at once, by that
signal (as a container's PID 1: exit 128 + its number): it has acknowledged nothing yet.

Options:
  -c, --config <file>        YAML configuration (see collector/README.md)
${CONFIG_FLAG_HELP}
  -h, --help                 show this help
`,
  async run(args, io) {
    const { values } = parseFlags(args, {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      ...CONFIG_FLAG_OPTIONS,
    });
    if (values.help) {
      io.stdout(this.help);
      return EXIT.OK;
    }
    const ready = exitOnSignalUntilReady();
    let started: Started | number;
    try {
      started = await startService(values, io);
    } finally {
      ready();
    }
    if (typeof started === 'number') return started;
    const { service, logger } = started;
    await new Promise<void>((resolve) => {
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals): void => {
        signals++;
        if (signals > 1) {
          logger.warn({ signal }, 'second signal: exiting without waiting');
          process.exit(EXIT.FAILURE);
        }
        logger.info({ signal }, 'signal received');
        void service.shutdown().then(() => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        });
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    return EXIT.OK;
  },
};

interface Started {
  service: CollectorService;
  logger: Logger;
}

/** Loads the configuration and starts the service; an exit code when either fails. */
async function startService(
  values: ConfigFlags & { config?: string | undefined },
  io: CliIo,
): Promise<Started | number> {
  let config: Awaited<ReturnType<typeof loadForCli>>;
  try {
    config = await loadForCli(values.config, io.env, configOverrides(values));
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`breakwater: invalid configuration\n${error.message}\n`);
      return EXIT.USAGE;
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  try {
    return { service: await CollectorService.start({ config, logger }), logger };
  } catch (error) {
    if (error instanceof StartupError || error instanceof StoreOpenError) {
      io.stderr(`breakwater: ${error.message}\n`);
      return error.kind === 'config' ? EXIT.USAGE : EXIT.FAILURE;
    }
    throw error;
  }
}
