import { parseListenAddress } from '../config/listen-address.ts';
import type { ConfigOverride } from '../config/load.ts';
import { UsageError } from './usage-error.ts';

/** The flags that override configuration keys. */
export interface ConfigFlags {
  listen?: string | undefined;
  'data-dir'?: string | undefined;
  'alertmanager-url'?: string | undefined;
  forward?: string[] | undefined;
  'log-level'?: string | undefined;
}

export const CONFIG_FLAG_OPTIONS = {
  listen: { type: 'string' },
  'data-dir': { type: 'string' },
  'alertmanager-url': { type: 'string' },
  forward: { type: 'string', multiple: true },
  'log-level': { type: 'string' },
} as const;

export const CONFIG_FLAG_HELP = `  --listen <host:port>       listener address (default 127.0.0.1:4318; key: listen)
  --data-dir <dir>           durable state directory (default ./.breakwater; key: dataDir)
  --alertmanager-url <url>   push alerts to this Alertmanager (key: alertmanager.url)
  --forward <url>            forward received OTLP to this OTLP/HTTP endpoint; repeatable
                             (appended to key: forward)
  --log-level <level>        trace|debug|info|warn|error|fatal|silent (key: logLevel)`;

/**
 * Turns flags into config overrides, applied to the document before validation so a bad value
 * gets the same clear message as in a file. `--listen` is checked here to fail as usage.
 */
export function configOverrides(flags: ConfigFlags): ConfigOverride[] {
  const overrides: ConfigOverride[] = [];
  if (flags.listen !== undefined) {
    const parsed = parseListenAddress(flags.listen);
    if (typeof parsed === 'string') throw new UsageError(`--listen: ${parsed}`);
    const listen = flags.listen;
    overrides.push((doc) => {
      doc.listen = listen;
      return { flag: '--listen', paths: [['listen']] };
    });
  }
  const dataDir = flags['data-dir'];
  if (dataDir !== undefined) {
    overrides.push((doc) => {
      doc.dataDir = dataDir;
      return { flag: '--data-dir', paths: [['dataDir']] };
    });
  }
  const alertmanager = flags['alertmanager-url'];
  if (alertmanager !== undefined) {
    overrides.push((doc) => {
      const current = doc.alertmanager;
      doc.alertmanager = {
        ...(typeof current === 'object' && current !== null ? current : {}),
        url: alertmanager,
      };
      return { flag: '--alertmanager-url', paths: [['alertmanager', 'url']] };
    });
  }
  const forward = flags.forward;
  if (forward !== undefined && forward.length > 0) {
    overrides.push((doc) => {
      const current = Array.isArray(doc.forward) ? doc.forward : [];
      doc.forward = [...current, ...forward.map((url) => ({ url }))];
      return { flag: '--forward', paths: forward.map((_, i) => ['forward', current.length + i]) };
    });
  }
  const logLevel = flags['log-level'];
  if (logLevel !== undefined) {
    overrides.push((doc) => {
      doc.logLevel = logLevel;
      return { flag: '--log-level', paths: [['logLevel']] };
    });
  }
  return overrides;
}
