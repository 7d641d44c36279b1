import { ConfigError } from '../../config/config-error.ts';
import type { CollectorConfig } from '../../config/schema.ts';
import { levelsPagingWhileMet } from '../../config/slo/levels-paging-while-met.ts';
import { ratioToPercent } from '../../config/slo/objective.ts';
import { resolveSlos } from '../../config/slo/resolve.ts';
import { urlForDisplay } from '../../config/url-for-display.ts';
import { windowName } from '../../evaluate/windows.ts';
import type { Command } from '../command.ts';
import { CONFIG_FLAG_HELP, CONFIG_FLAG_OPTIONS, configOverrides } from '../config-flags.ts';
import { parseFlags } from '../flags.ts';
import { loadForCli } from '../load-for-cli.ts';
import { EXIT, UsageError } from '../usage-error.ts';

export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'validate a configuration file and print a summary',
  help: `Usage: breakwater check-config [--config] <file> [options]

Validates the YAML configuration (with \${ENV} substitution and flag overrides applied, as
serve would). Prints "ok" and a summary (listener, auth, limits, forwarding, SLOs,
Alertmanager, gate, fleet), or every problem, unset variables included, with file:line:column
(or the flag that set the value), the path in the document and what was expected, then exits 2.

Options:
  -c, --config <file>        the file (or give it as the only argument)
${CONFIG_FLAG_HELP}
  -h, --help                 show this help
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(
      args,
      {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        ...CONFIG_FLAG_OPTIONS,
      },
      1,
    );
    if (values.help) {
      io.stdout(this.help);
      return EXIT.OK;
    }
    if (values.config !== undefined && positionals.length > 0) {
      throw new UsageError('give the file either as --config or as an argument, not both');
    }
    const path = values.config ?? positionals[0];
    // Checking the defaults would pass a pipeline whose `check-config $CONFIG` lost its variable.
    if (path === undefined) throw new UsageError('a configuration file is required');
    try {
      const config = await loadForCli(path, io.env, configOverrides(values));
      io.stdout(`ok: ${path}\n${summarize(config)}`);
      return EXIT.OK;
    } catch (error) {
      if (error instanceof ConfigError) {
        io.stderr(`${error.message}\n`);
        return EXIT.USAGE;
      }
      throw error;
    }
  },
};

/** A short human summary of what the configuration does. */
export function summarize(config: CollectorConfig): string {
  const lines: string[] = [];
  const tokens = config.auth.tokens;
  const auth =
    tokens.length === 0
      ? 'off'
      : `${tokens.length} token${tokens.length === 1 ? '' : 's'} (${tokens.map((t) => `${t.name ?? 'unnamed'}: ${t.scopes.join('+')}`).join(', ')})`;
  lines.push(`  listen:   ${config.listen}`, `  auth:     ${auth}`, `  dataDir:  ${config.dataDir}`);
  lines.push(
    `  limits:   body ${config.limits.maxBodyBytes} bytes, ${config.limits.maxInFlightRequests} requests / ${config.limits.maxInFlightBytes} bytes in flight`,
  );
  if (config.forward.length === 0) lines.push('  forward:  none');
  for (const f of config.forward) lines.push(`  forward:  ${urlForDisplay(f.url)} (${f.signals.join(', ')})`);
  try {
    const slos = resolveSlos(config);
    lines.push(`  slos:     ${slos.length}`);
    for (const slo of slos) {
      lines.push(
        `    - ${slo.name} [${slo.tier}, ${slo.sli}] ${ratioToPercent(slo.objective)}% over ${windowName(slo.windowMs)}`,
      );
      const advice = levelsPagingWhileMet(slo);
      if (advice !== undefined) lines.push(`      warning: ${advice}`);
    }
  } catch (error) {
    lines.push(`  slos:     (cannot resolve: ${(error as Error).message})`);
  }
  const am = (config as { alertmanager?: { url?: string } }).alertmanager?.url;
  lines.push(`  alertmanager: ${am === undefined ? 'off' : urlForDisplay(am)}`);
  lines.push(`  gate:     ${gateSummary(config.gate)}`, `  fleet:    ${fleetSummary(config.fleet)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The gate's window, data and budget thresholds, and which SLOs it requires, leaves out or
 * judges by rules of their own (`gate.slos`). Lists after a `;`.
 */
function gateSummary(gate: CollectorConfig['gate']): string {
  const overrides = Object.entries(gate.slos);
  const named = (required: boolean) =>
    overrides.filter(([, rules]) => rules.required === required).map(([name]) => name);
  // Without `required: true`, an SLO is required when a request names it (`slo=`).
  const required = gate.required
    ? ['all', ...(named(false).length > 0 ? [`but ${named(false).join(', ')}`] : [])].join(' ')
    : [...named(true), 'any named in slo='].join(', ');
  const lists = [`required: ${required}`];
  if (gate.exclude.length > 0) lists.push(`excluded: ${gate.exclude.join(', ')}`);
  // `required` alone is shown above.
  const own = overrides.filter(([, rules]) => Object.keys(rules).some((key) => key !== 'required'));
  if (own.length > 0) lists.push(`own rules: ${own.map(([name]) => name).join(', ')}`);
  const thresholds = [
    `window ${windowName(gate.window)}`,
    `minEvents ${gate.minEvents}`,
    `reserve ${ratioToPercent(gate.reserve)}%`,
  ];
  return [thresholds.join(', '), ...lists].join('; ');
}

/** Whether fleet decisions are on and, if so, when a dependency opens (and where rules differ). */
function fleetSummary(fleet: CollectorConfig['fleet']): string {
  if (!fleet.enabled) return 'off';
  const thresholds = [
    `scope ${fleet.scope}`,
    `openThreshold ${ratioToPercent(fleet.openThreshold)}%`,
    `quorum ${fleet.quorum}`,
    `windows ${fleet.windows.map((w) => windowName(w.duration)).join('/')}`,
  ];
  const own = Object.keys(fleet.perDependency);
  return [`on, ${thresholds.join(', ')}`, ...(own.length > 0 ? [`own rules: ${own.join(', ')}`] : [])].join(
    '; ',
  );
}
