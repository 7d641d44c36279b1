import { renderPrometheusRules } from '../../act/prometheus-rules.ts';
import { ConfigError } from '../../config/config-error.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../flags.ts';
import { loadForCli } from '../load-for-cli.ts';
import { EXIT } from '../usage-error.ts';

export const rulesCommand: Command = {
  name: 'rules',
  summary: 'print Prometheus recording and alerting rules for the configured SLOs',
  help: `Usage: breakwater rules [--config <file>]

Prints Prometheus recording and alerting rules (YAML, for promtool check rules) equivalent to
the collector's own SLO evaluation, for setups that evaluate SLOs in Prometheus from span
metrics. Without --config the default SLO set is used.

Options:
  -c, --config <file>        YAML configuration
  -h, --help                 show this help
`,
  async run(args, io) {
    const { values } = parseFlags(args, {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout(this.help);
      return EXIT.OK;
    }
    try {
      const config = await loadForCli(values.config, io.env, []);
      io.stdout(renderPrometheusRules(config));
      return EXIT.OK;
    } catch (error) {
      if (error instanceof ConfigError) {
        io.stderr(`breakwater: invalid configuration\n${error.message}\n`);
        return EXIT.USAGE;
      }
      throw error;
    }
  },
};
