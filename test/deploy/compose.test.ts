/**
 * examples/deploy/compose.yaml and the files it wires together, checked structurally (no
 * container engine here): images or builds, mounted files, names that must agree across files,
 * the OpenTelemetry Collector pipelines, and breakwater.yaml against the collector's own loader.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { formatDuration, parseDuration } from '@breakwater/protocol';
import {
  DEPLOY,
  type Doc,
  deployPath,
  isRecord,
  list,
  REPO,
  readYaml,
  record,
  rulesOf,
  str,
} from './deploy-files.ts';

const compose = readYaml('compose.yaml');
const services = record(compose.services, 'services');
const serviceNames = Object.keys(services);
const service = (name: string): Doc => record(services[name], `services.${name}`);

/** `./file:/target[:ro]` bind mounts and `name:/target` volumes of a service. */
function mounts(name: string): { source: string; target: string; bind: boolean }[] {
  const volumes = service(name).volumes;
  if (volumes === undefined) return [];
  return list(volumes, `${name}.volumes`).map((v) => {
    const [source = '', target = ''] = str(v, `${name}.volumes[]`).split(':');
    return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
  });
}

function commandArgs(name: string): string[] {
  const command = service(name).command;
  if (command === undefined) return [];
  return list(command, `${name}.command`).map((a) => str(a, `${name}.command[]`));
}

/** Host part of `host:port` or of a URL. */
function host(address: string): string {
  const withScheme = /^[a-z]+:\/\//.test(address) ? address : `tcp://${address}`;
  return new URL(withScheme).hostname;
}

describe('compose.yaml', () => {
  test('wires the Breakwater collector, the OpenTelemetry Collector, Jaeger, Tempo, Prometheus, Alertmanager and Grafana', () => {
    assert.deepEqual([...serviceNames].sort(), [
      'alertmanager',
      'breakwater',
      'grafana',
      'jaeger',
      'otel-collector',
      'prometheus',
      'tempo',
    ]);
  });

  test('every service has an image or a build whose Dockerfile exists', () => {
    for (const name of serviceNames) {
      const s = service(name);
      assert.ok(typeof s.image === 'string' || s.build !== undefined, `${name}: no image or build`);
      if (typeof s.image === 'string') assert.match(s.image, /:[\w.-]+$/, `${name}: pin the image tag`);
      if (s.build !== undefined) {
        const build = record(s.build, `${name}.build`);
        const context = path.resolve(DEPLOY, str(build.context, 'context'));
        assert.equal(context, REPO, `${name}: build from the repository root`);
        const dockerfile = path.join(context, str(build.dockerfile, 'dockerfile'));
        assert.ok(existsSync(dockerfile), `${name}: ${dockerfile} is missing`);
        assert.ok(existsSync(`${dockerfile}.dockerignore`), `${name}: ${dockerfile}.dockerignore is missing`);
      }
    }
  });

  test('the Breakwater collector is built from the repo and served off loopback with tokens', () => {
    const bw = service('breakwater');
    const dockerfile = readFileSync(deployPath('collector.Dockerfile'), 'utf8');
    assert.match(dockerfile, /ENTRYPOINT \["node", "collector\/bin\/breakwater\.js"\]/);
    const args = commandArgs('breakwater');
    assert.equal(args[0], 'serve');
    assert.equal(args[args.indexOf('--listen') + 1], '0.0.0.0:4318');
    const env = record(bw.environment, 'breakwater.environment');
    for (const token of [
      'BREAKWATER_INGEST_TOKEN',
      'BREAKWATER_SUBSCRIBE_TOKEN',
      'BREAKWATER_GATE_TOKEN',
      'BREAKWATER_ADMIN_TOKEN',
    ]) {
      assert.match(str(env[token], token), new RegExp(`^\\$\\{${token}:\\?`), `${token} must be required`);
    }
  });

  test('every bind-mounted file exists, and every config path a command names is mounted', () => {
    const named = new Set(Object.keys(record(compose.volumes, 'volumes')));
    for (const name of serviceNames) {
      const ms = mounts(name);
      for (const m of ms) {
        if (m.bind)
          assert.ok(existsSync(path.resolve(DEPLOY, m.source)), `${name}: ${m.source} does not exist`);
        else assert.ok(named.has(m.source), `${name}: volume ${m.source} is not declared`);
      }
      for (const arg of commandArgs(name)) {
        const file = /(?:^|=)(\/etc\/\S+\.(?:ya?ml|json))$/.exec(arg)?.[1];
        if (!file) continue;
        assert.ok(
          ms.some((m) => m.bind && (m.target === file || file.startsWith(`${m.target}/`))),
          `${name}: ${file} is named in the command but not mounted`,
        );
      }
    }
  });

  test('depends_on, secrets and required variables resolve', () => {
    const secrets = record(compose.secrets, 'secrets');
    const example = readFileSync(deployPath('.env.example'), 'utf8');
    const defined = new Map(
      [...example.matchAll(/^([A-Z_][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? ''] as const),
    );
    for (const name of serviceNames) {
      const s = service(name);
      for (const dep of s.depends_on === undefined ? [] : list(s.depends_on, `${name}.depends_on`)) {
        assert.ok(serviceNames.includes(str(dep, 'depends_on')), `${name} depends on unknown ${dep}`);
      }
      for (const secret of s.secrets === undefined ? [] : list(s.secrets, `${name}.secrets`)) {
        assert.ok(str(secret, 'secret') in secrets, `${name}: secret ${secret} is not declared`);
      }
    }
    for (const [name, value] of Object.entries(secrets)) {
      const variable = str(record(value, name).environment, `${name}.environment`);
      assert.ok(defined.has(variable), `secret ${name}: ${variable} missing from .env.example`);
    }
    const text = readFileSync(deployPath('compose.yaml'), 'utf8');
    for (const [, variable] of text.matchAll(/\$\{([A-Z_][A-Z0-9_]*):\?/g)) {
      const value = defined.get(variable ?? '');
      assert.ok(value !== undefined, `${variable} is required by compose.yaml but missing from .env.example`);
      if (variable?.endsWith('_TOKEN'))
        assert.ok(value.length >= 16, `${variable}: tokens need ≥ 16 characters`);
    }
  });

  test('Prometheus reads the admin token secret the scrape job names', () => {
    const prometheus = service('prometheus');
    assert.deepEqual(prometheus.secrets, ['breakwater_admin_token']);
    assert.ok(
      readFileSync(deployPath('prometheus.yml'), 'utf8').includes('/run/secrets/breakwater_admin_token'),
    );
    const ms = mounts('prometheus');
    for (const file of ['breakwater-rules.yml', 'collector-alerts.yml']) {
      assert.ok(
        ms.some((m) => m.source === `./${file}` && m.target === `/etc/prometheus/${file}`),
        `${file} is not mounted where prometheus.yml's rule_files finds it`,
      );
    }
  });

  test('Prometheus keeps data longer than the longest range its rules read', () => {
    // A `rate(...[30d])` over 15 days of data is a 15-day ratio recorded under a 30-day name.
    const flag = commandArgs('prometheus').find((a) => a.startsWith('--storage.tsdb.retention.time='));
    assert.ok(flag, 'prometheus: no --storage.tsdb.retention.time (the default is 15d)');
    const retention = parseDuration(flag.split('=')[1] ?? '');
    const ranges = ['breakwater-rules.yml', 'collector-alerts.yml'].flatMap((file) =>
      rulesOf(file).flatMap((rule) =>
        [...str(rule.expr, `${file} expr`).matchAll(/\[(\d+[smhdw])\]/g)].map((m) => m[1] ?? ''),
      ),
    );
    const longest = Math.max(...ranges.map(parseDuration));
    assert.ok(
      retention > longest,
      `retention ${flag} does not cover the longest rule range (${formatDuration(longest)})`,
    );
  });

  test('addresses in the other files name compose services', () => {
    const prometheus = readYaml('prometheus.yml');
    const addresses: { where: string; address: string }[] = [];
    for (const job of list(prometheus.scrape_configs, 'scrape_configs').map((j) => record(j, 'job'))) {
      for (const sc of list(job.static_configs, 'static_configs')) {
        for (const t of list(record(sc, 'static_config').targets, 'targets')) {
          addresses.push({ where: `prometheus.yml job ${job.job_name}`, address: str(t, 'target') });
        }
      }
    }
    const datasources = readYaml('grafana/provisioning/datasources/breakwater.yaml');
    for (const ds of list(datasources.datasources, 'datasources').map((d) => record(d, 'datasource'))) {
      addresses.push({ where: `grafana datasource ${ds.name}`, address: str(ds.url, 'url') });
    }
    const breakwater = readYaml('breakwater.yaml');
    addresses.push({
      where: 'breakwater.yaml alertmanager.url',
      address: str(record(breakwater.alertmanager, 'am').url, 'url'),
    });
    const otel = service('otel-collector');
    const env = record(otel.environment, 'otel-collector.environment');
    addresses.push({
      where: 'otel-collector BREAKWATER_ENDPOINT',
      address: str(env.BREAKWATER_ENDPOINT, 'endpoint'),
    });
    const traces = /^\$\{TRACES_ENDPOINT:-(.+)\}$/.exec(str(env.TRACES_ENDPOINT, 'TRACES_ENDPOINT'))?.[1];
    assert.ok(traces, 'TRACES_ENDPOINT should default to a compose service');
    addresses.push({ where: 'otel-collector TRACES_ENDPOINT', address: traces });
    for (const { where, address } of addresses) {
      const h = host(address);
      assert.ok(
        h === 'localhost' || serviceNames.includes(h),
        `${where}: ${address} is not a compose service`,
      );
    }
  });
});

describe('otel-collector.yaml', () => {
  const config = readYaml('otel-collector.yaml');
  const section = (key: string) => record(config[key], key);
  const pipelines = record(record(config.service, 'service').pipelines, 'service.pipelines');

  test('every pipeline component is defined and every defined component is used', () => {
    const used = {
      receivers: new Set<string>(),
      processors: new Set<string>(),
      exporters: new Set<string>(),
    };
    const connectors = new Set(Object.keys(section('connectors')));
    for (const [name, raw] of Object.entries(pipelines)) {
      const pipeline = record(raw, `pipelines.${name}`);
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        for (const id of list(pipeline[kind] ?? [], `${name}.${kind}`).map((c) => str(c, kind))) {
          const definedIn = kind === 'processors' ? section('processors') : section(kind);
          assert.ok(
            id in definedIn || (kind !== 'processors' && connectors.has(id)),
            `${name}: ${kind} ${id} undefined`,
          );
          used[kind].add(id);
        }
      }
    }
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      for (const id of Object.keys(section(kind)))
        assert.ok(used[kind].has(id), `${kind} ${id} is never used`);
    }
    for (const id of connectors) {
      assert.ok(
        used.exporters.has(id) && used.receivers.has(id),
        `connector ${id} must end one pipeline and start another`,
      );
    }
  });

  test('memory_limiter comes first and batch last in every pipeline', () => {
    for (const [name, raw] of Object.entries(pipelines)) {
      const processors = list(record(raw, name).processors, `${name}.processors`);
      assert.equal(processors[0], 'memory_limiter', `${name}: memory_limiter first`);
      assert.equal(processors.at(-1), 'batch', `${name}: batch last`);
    }
  });

  test('receives OTLP over gRPC and HTTP; traces fan out to Jaeger/Tempo, Breakwater and span metrics', () => {
    const otlp = record(record(section('receivers').otlp, 'otlp').protocols, 'otlp.protocols');
    assert.deepEqual(Object.keys(otlp).sort(), ['grpc', 'http']);
    const traces = record(pipelines.traces, 'traces');
    assert.deepEqual(traces.exporters, ['otlp/traces', 'otlphttp/breakwater', 'spanmetrics']);
    const exporters = section('exporters');
    const breakwater = record(exporters['otlphttp/breakwater'], 'otlphttp/breakwater');
    assert.equal(
      str(record(breakwater.headers, 'headers').Authorization, 'Authorization'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: OpenTelemetry Collector env syntax, not a JS template
      'Bearer ${env:BREAKWATER_INGEST_TOKEN}',
    );
    assert.match(
      str(record(exporters['otlp/traces'], 'otlp/traces').endpoint, 'endpoint'),
      /TRACES_ENDPOINT/,
    );
    const metrics = record(pipelines.metrics, 'metrics');
    assert.deepEqual(metrics.exporters, ['otlphttp/breakwater', 'prometheus']);
  });

  test('span metrics match the input series `breakwater rules` is configured for in breakwater.yaml', () => {
    const spanmetrics = record(section('connectors').spanmetrics, 'spanmetrics');
    const rules = record(readYaml('breakwater.yaml').prometheusRules, 'prometheusRules');
    const namespace = str(spanmetrics.namespace, 'namespace').replaceAll('.', '_');
    const unit = str(record(spanmetrics.histogram, 'histogram').unit, 'unit');
    assert.equal(rules.callsMetric, `${namespace}_calls_total`);
    assert.equal(rules.durationMetric, `${namespace}_duration_${unit === 'ms' ? 'milliseconds' : 'seconds'}`);
    assert.equal(rules.durationUnit, unit);
    const dimensions = list(spanmetrics.dimensions, 'dimensions').map((d) =>
      str(record(d, 'dimension').name, 'name'),
    );
    for (const attribute of [
      'service.version',
      'gen_ai.operation.name',
      'breakwater.error.source',
      'breakwater.role',
    ]) {
      assert.ok(dimensions.includes(attribute), `spanmetrics dimension ${attribute} missing`);
    }
    assert.equal(rules.versionLabel, 'service_version');
  });
});

describe('breakwater.yaml', () => {
  const loader = path.join(REPO, 'collector/src/config/load.ts');
  test('is accepted by the collector’s configuration loader', {
    skip: existsSync(loader) ? false : 'collector/src/config/load.ts does not exist yet',
  }, async () => {
    const { parseConfig } = (await import(loader)) as {
      parseConfig(source: { name: string; text: string }, env: Record<string, string>): unknown;
    };
    const example = readFileSync(deployPath('.env.example'), 'utf8');
    const env = Object.fromEntries(
      [...example.matchAll(/^([A-Z_][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]),
    );
    const config = record(
      parseConfig(
        { name: 'breakwater.yaml', text: readFileSync(deployPath('breakwater.yaml'), 'utf8') },
        env,
      ),
      'parsed config',
    );
    assert.equal(config.listen, '0.0.0.0:4318');
    const tokens = list(record(config.auth, 'auth').tokens, 'tokens').map((t) => record(t, 'token'));
    assert.deepEqual(
      tokens.map((t) => t.scopes),
      // CI gets the gate scope alone: admin would also let a pipeline ingest and read every API.
      [['ingest'], ['subscribe'], ['gate'], ['admin']],
    );
    assert.ok(isRecord(config.alertmanager) && config.alertmanager.url === 'http://alertmanager:9093');
  });

  test('compose gives the collector the time its shutdown may take before it kills it', {
    skip: existsSync(loader) ? false : 'collector/src/config/load.ts does not exist yet',
  }, async () => {
    // Twice shutdownTimeout (in-flight requests, then the forward queues) plus a few seconds, as
    // the collector README asks: Docker's default, 10 s, kills it in the middle of its drain.
    const { parseConfig } = (await import(loader)) as {
      parseConfig(source: { name: string; text: string }, env: Record<string, string>): unknown;
    };
    const env = Object.fromEntries(
      ['INGEST', 'SUBSCRIBE', 'GATE', 'ADMIN'].map((t) => [`BREAKWATER_${t}_TOKEN`, `${t}-token-0123456789`]),
    );
    const config = record(
      parseConfig(
        { name: 'breakwater.yaml', text: readFileSync(deployPath('breakwater.yaml'), 'utf8') },
        env,
      ),
      'parsed config',
    );
    const grace = service('breakwater').stop_grace_period;
    assert.ok(grace !== undefined, 'services.breakwater.stop_grace_period is set');
    const needed = 2 * parseDuration(str(config.shutdownTimeout, 'shutdownTimeout')) + 5_000;
    assert.ok(
      parseDuration(str(grace, 'stop_grace_period')) >= needed,
      `stop_grace_period ${String(grace)} is at least ${formatDuration(needed)}`,
    );
  });
});
