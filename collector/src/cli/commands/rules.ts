import { renderPrometheusRules } from '../../act/prometheus-rules.ts';
import { ConfigError } from '../../config/config-error.ts';
import type { ConfigSection } from '../../config/sections.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../flags.ts';
import { loadForCli } from '../load-for-cli.ts';
import { EXIT } from '../usage-error.ts';

/**
 * The top-level sections {@link renderPrometheusRules} reads (the SLO set via `resolveSlos`, the
 * evaluation settings and the input series names). Only these are loaded, so generating rules
 * needs none of the collector's secrets.
 */
export const RULES_SECTIONS = [
  'slos',
  'defaultSlos',
  'technicalSlos',
  'evaluation',
  'prometheusRules',
] as const satisfies readonly ConfigSection[];

export const rulesCommand: Command = {
  name: 'rules',
  summary: 'print Prometheus recording and alerting rules for the configured SLOs',
  help: `Usage: breakwater rules [--config <file>]

Prints Prometheus recording and alerting rules (YAML, for promtool check rules) equivalent to
the collector's own SLO evaluation, for setups that evaluate SLOs in Prometheus from span
metrics. Without --config the default SLO set is used.

Only the keys that shape the rules are read (slos, defaultSlos, technicalSlos, evaluation,
prometheusRules): \${ENV} references elsewhere, such as auth tokens, need not be set, so no
secrets are needed. Other sections are not validated; use check-config for that.

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
      const config = await loadForCli(values.config, io.env, [], { sections: RULES_SECTIONS });
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
