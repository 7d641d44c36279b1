// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} references
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { collectorConfigJsonSchema, configKeys } from './json-schema.ts';
import { parseConfig } from './load.ts';
import type { CollectorConfig } from './schema.ts';
import { withRefsInlined } from './schema-defs.ts';
import { type FitNode, fits } from './testing/json-schema-fit.ts';

const schema = collectorConfigJsonSchema() as FitNode;

/** The configuration the loader makes of `document` (as YAML gives it) with `env`. */
function load(document: Record<string, unknown>, env: Record<string, string>): CollectorConfig {
  return parseConfig({ name: 'c.yaml', text: stringify(document) }, env);
}

/** Whether the loader accepts `document` (as YAML gives it) with `env`. */
function loads(document: Record<string, unknown>, env: Record<string, string>): boolean {
  try {
    load(document, env);
    return true;
  } catch {
    return false;
  }
}

/** A whole-value reference at each kind of number and boolean setting, as YAML gives it: strings. */
const REFERENCES = {
  limits: { maxInFlightRequests: '${INFLIGHT}', retryAfterSeconds: '${RETRY:-7}' },
  evaluation: { maxSeries: '${SERIES}' },
  alertmanager: { levels: '${LEVELS}' },
  technicalSlos: '${TECHNICAL}',
  // `auto` or a boolean; a duration as text or milliseconds; list items; a map's values.
  defaultSlos: '${DEFAULT_SLOS}',
  fleet: {
    evaluateInterval: '${INTERVAL}',
    ramp: ['${FIRST_STEP}', 1],
    // Also in objects written once under $defs.
    windows: [{ duration: '${WINDOW}', minVolume: '${WINDOW_VOLUME}' }],
    perDependency: { openai: { quorum: '${QUORUM}', enabled: '${OPENAI_BREAKER}' } },
  },
  // In each SLO form, down to a native SLO's levels and an OpenSLO indicator.
  slos: [
    {
      name: 'chat',
      objective: '${OBJECTIVE}',
      minEvents: '${MIN_EVENTS}',
      selector: { retried: '${RETRIED}' },
      bad: { unclassified: '${UNCLASSIFIED}' },
      levels: { warning: '${WARNING}' },
    },
    {
      apiVersion: 'openslo/v1',
      kind: 'SLO',
      metadata: { name: 'tools' },
      spec: {
        service: 'checkout',
        budgetingMethod: 'Occurrences',
        timeWindow: [{ duration: '28d', isRolling: true }],
        objectives: [{ targetPercent: '${TARGET}' }],
        indicator: {
          metadata: { name: 'tool-errors' },
          spec: {
            ratioMetric: {
              counter: '${COUNTER}',
              bad: { metricSource: { type: 'breakwater', spec: { status: 'error' } } },
              total: { metricSource: { type: 'breakwater', spec: {} } },
            },
          },
        },
      },
    },
  ],
};

const ENV = {
  INFLIGHT: '12',
  SERIES: '5e3',
  LEVELS: 'false',
  TECHNICAL: 'False',
  DEFAULT_SLOS: 'true',
  INTERVAL: '2000',
  FIRST_STEP: '0.2',
  WINDOW: '30000',
  WINDOW_VOLUME: '5',
  RETRIED: 'true',
  QUORUM: '3',
  OPENAI_BREAKER: 'true',
  OBJECTIVE: '99.5',
  MIN_EVENTS: '20',
  UNCLASSIFIED: 'false',
  WARNING: '99.8',
  TARGET: '99',
  COUNTER: 'true',
};

describe('JSON Schema: a ${VAR} that is the whole value of a number or boolean setting', () => {
  it('is taken at every kind of number and boolean setting, as the loader takes it', () => {
    assert.ok(loads(REFERENCES, ENV), 'the loader takes the references');
    assert.ok(fits(schema, REFERENCES), 'the schema takes the references');
  });

  it('is the only string taken there: text, escapes and malformed references are refused, as by the loader', () => {
    const env = { A: '5000', B: '0' };
    for (const text of ['5000', 'x', '${A}${B}', '$${A}', ' ${A}', '${A}x', '${A-5}', '${1A}', '${}', '']) {
      const document = { evaluation: { maxSeries: text } };
      assert.equal(fits(schema, document), false, `schema: ${JSON.stringify(text)}`);
      assert.equal(loads(document, env), false, `loader: ${JSON.stringify(text)}`);
    }
    // A reference with a default, or with a lower-case name, is one too.
    for (const text of ['${A:-5}', '${a_1}'])
      assert.ok(fits(schema, { evaluation: { maxSeries: text } }), text);
  });

  it('is not taken at a constant (an OpenSLO time window is rolling): the loader reads it as text there', () => {
    const slo = REFERENCES.slos[1]!;
    const document = {
      slos: [{ ...slo, spec: { ...slo.spec, timeWindow: [{ duration: '28d', isRolling: '${ROLLING}' }] } }],
    };
    assert.equal(fits(schema, document), false);
    assert.equal(loads(document, { ...ENV, ROLLING: 'true' }), false);
  });

  it('is described where an editor shows it, and CONFIG.md notes it once instead of at every key', () => {
    // Written once under `$defs` (it stands at ~100 keys), followed by an editor as it follows any `$ref`.
    assert.deepEqual(schema.properties?.evaluation?.properties?.maxSeries?.anyOf?.[1], {
      $ref: '#/$defs/IntegerFromEnvironment',
    });
    const inlined = withRefsInlined(schema as Record<string, unknown>) as FitNode;
    const maxSeries = inlined.properties?.evaluation?.properties?.maxSeries;
    const reference = maxSeries?.anyOf?.find((variant) => variant.type === 'string') as {
      description?: string;
    };
    assert.match(
      reference.description ?? '',
      /environment variable, \$\{NAME\} or \$\{NAME:-default\}.*an integer/,
    );
    const keys = new Map(configKeys().map((key) => [key.key, key.node]));
    assert.equal(keys.get('evaluation.maxSeries')?.type, 'integer');
    assert.equal(keys.get('evaluation.maxSeries')?.default, 1000);
    assert.deepEqual(
      keys.get('fleet.evaluateInterval')?.anyOf?.map((variant) => variant.type),
      ['string', 'integer'],
    );
    assert.equal(keys.get('fleet.ramp')?.items?.type, 'number');
  });
});

/** An OpenSLO SLO entry, with `over` and `spec` over its keys. */
function openSlo(over: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  const slo = REFERENCES.slos[1]!;
  return { ...slo, spec: { ...slo.spec, objectives: [{ targetPercent: 99 }], ...spec }, ...over };
}

/** References at text settings that check their text: each kind of check, alone and in other text. */
const TEXT_REFERENCES = {
  // A fixed set of values, also as list items.
  logLevel: '${LOG_LEVEL}',
  store: { kind: '${STORE:-sqlite}' },
  auth: { tokens: [{ token: '${TOKEN}', scopes: ['${SCOPE}', 'subscribe'] }] },
  // A format: the whole URL, or its host.
  alertmanager: { url: '${ALERTMANAGER_URL}', generatorUrl: 'https://${HOST}/slos' },
  // A pattern: a duration, alone or with its unit written out; a label name; in `$defs` too.
  evaluation: { interval: '${EVALUATE_EVERY}', levelWindow: '${LEVEL_MINUTES}m' },
  prometheusRules: { serviceLabel: '${SERVICE_LABEL}' },
  gate: { fastBurn: [{ longWindow: '${LONG_WINDOW}', shortWindow: '5m', burnRate: 14.4 }] },
  slos: [
    { name: '${SLO_NAME}', objective: 99, window: '${SLO_WINDOW}', selector: { status: '${STATUS}' } },
    // Constants, which the loader checks after substitution as any text.
    openSlo({ apiVersion: '${OPENSLO_VERSION}', kind: '${OPENSLO_KIND}' }),
  ],
};

const TEXT_ENV = {
  // The OpenSLO entry's number and boolean references.
  ...ENV,
  LOG_LEVEL: 'debug',
  TOKEN: 'a-token-of-twenty-chars',
  SCOPE: 'ingest',
  ALERTMANAGER_URL: 'http://alertmanager:9093',
  HOST: 'grafana.example.com',
  EVALUATE_EVERY: '30s',
  LEVEL_MINUTES: '10',
  SERVICE_LABEL: 'job',
  LONG_WINDOW: '1h',
  SLO_NAME: 'chat',
  SLO_WINDOW: '7d',
  STATUS: 'error',
  OPENSLO_VERSION: 'openslo/v1',
  OPENSLO_KIND: 'SLO',
};

describe('JSON Schema: a ${VAR} at a text setting with a fixed set of values, a pattern, a format or a length', () => {
  it('is taken there, alone or in other text, as the loader takes it', () => {
    const config = load(TEXT_REFERENCES, TEXT_ENV);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.evaluation.levelWindow, 600_000);
    assert.equal(config.slos.length, 2);
    assert.ok(fits(schema, TEXT_REFERENCES), 'the schema takes the references');
  });

  it('leaves the text check to values that are no reference: the schema refuses what the loader refuses', () => {
    const bad: [string, Record<string, unknown>][] = [
      ['a level of no such name', { logLevel: 'loud' }],
      ['an escaped reference, which is text', { logLevel: '$${LOG_LEVEL}' }],
      ['a malformed reference', { logLevel: '${LOG-LEVEL}' }],
      ['a store of no such kind', { store: { kind: 'disk' } }],
      [
        'a scope of no such name',
        { auth: { tokens: [{ token: 'a-token-of-twenty-chars', scopes: ['all'] }] } },
      ],
      ['a token too short', { auth: { tokens: [{ token: 'short', scopes: ['ingest'] }] } }],
      ['a URL without its scheme', { alertmanager: { url: '//alertmanager:9093' } }],
      ['a duration without its unit', { evaluation: { interval: '30' } }],
      ['a window without its unit', { slos: [{ name: 'chat', objective: 99, window: '7' }] }],
      ['no label name', { prometheusRules: { serviceLabel: 'service-name' } }],
      ['another OpenSLO version', { slos: [openSlo({ apiVersion: 'openslo/v2' })] }],
    ];
    for (const [why, document] of bad) {
      assert.equal(fits(schema, document), false, `schema: ${why}`);
      assert.equal(loads(document, TEXT_ENV), false, `loader: ${why}`);
    }
  });

  it('is checked by the loader once substituted', () => {
    for (const [name, value] of [
      ['LOG_LEVEL', 'loud'],
      ['STORE', 'disk'],
      ['ALERTMANAGER_URL', 'alertmanager'],
      ['EVALUATE_EVERY', '30'],
      ['OPENSLO_VERSION', 'openslo/v2'],
    ] as const)
      assert.equal(loads(TEXT_REFERENCES, { ...TEXT_ENV, [name]: value }), false, name);
  });

  it('is described where an editor shows it, and CONFIG.md notes it once instead of at every key', () => {
    assert.deepEqual(schema.properties?.logLevel?.anyOf?.[1], { $ref: '#/$defs/TextFromEnvironment' });
    assert.match(
      (schema.$defs?.TextFromEnvironment as { description?: string } | undefined)?.description ?? '',
      /environment variable, \$\{NAME\} or \$\{NAME:-default\}, or text containing one: .*checked/,
    );
    const keys = new Map(configKeys().map((key) => [key.key, key.node]));
    assert.equal(keys.get('logLevel')?.anyOf, undefined);
    assert.equal(keys.get('logLevel')?.enum?.length, 7);
    assert.equal(keys.get('alertmanager.url')?.type, 'string');
    assert.equal(keys.get('evaluation.interval')?.pattern, schema.$defs?.FleetDuration?.anyOf?.[0]?.pattern);
  });

  it('is not taken in a key: the loader substitutes values only', () => {
    const schemaOf = schema.properties?.alertmanager?.properties?.labels as { propertyNames?: FitNode };
    assert.deepEqual(schemaOf.propertyNames?.anyOf, undefined);
    assert.equal(loads({ alertmanager: { labels: { '${LABEL}': 'x' } } }, { LABEL: 'team' }), false);
  });
});

describe('JSON Schema: a ${VAR} at a setting that takes a number or boolean and text', () => {
  const fleetDuration = schema.$defs?.FleetDuration;
  const defaultSlos = schema.properties?.defaultSlos;

  it('has one alternative there, which says when the value is read as a number or boolean and when as text', () => {
    for (const [setting, name, type] of [
      [fleetDuration, 'IntegerOrTextFromEnvironment', 'an integer'],
      [defaultSlos, 'BooleanOrTextFromEnvironment', 'a boolean'],
    ] as const) {
      const references = setting?.anyOf?.filter((variant) => variant.$ref?.endsWith('FromEnvironment'));
      assert.deepEqual(references, [{ $ref: `#/$defs/${name}` }]);
      const description = (schema.$defs?.[name] as { description?: string } | undefined)?.description ?? '';
      assert.match(description, new RegExp(`read as ${type} when .* any other value stays text`));
    }
  });

  it('is read as the loader reads it: a number or boolean where its value is one, else text', () => {
    const cases = [
      ['2000', 2000],
      ['2s', 2000],
      ['1e3', 1000],
    ] as const;
    for (const [value, ms] of cases) {
      const document = { fleet: { evaluateInterval: '${EVERY}' } };
      assert.ok(fits(schema, document));
      assert.equal(load(document, { EVERY: value }).fleet.evaluateInterval, ms, value);
    }
    const text = { fleet: { evaluateInterval: '${SECONDS}s' } };
    assert.ok(fits(schema, text));
    assert.equal(load(text, { SECONDS: '2' }).fleet.evaluateInterval, 2000);
    for (const [value, read] of [
      ['auto', 'auto'],
      ['True', true],
      ['false', false],
    ] as const)
      assert.equal(load({ defaultSlos: '${DEFAULTS}' }, { DEFAULTS: value }).defaultSlos, read, value);
    // Text that is neither, and no reference, is refused by both.
    for (const document of [{ fleet: { evaluateInterval: '2' } }, { defaultSlos: 'yes' }]) {
      assert.equal(fits(schema, document), false, JSON.stringify(document));
      assert.equal(loads(document, {}), false, JSON.stringify(document));
    }
  });

  it('is one alternative at every setting: no two reference alternatives side by side', () => {
    const twice: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const anyOf = (node as FitNode).anyOf;
      if (Array.isArray(anyOf) && anyOf.filter((v) => v.$ref?.endsWith('FromEnvironment')).length > 1)
        twice.push(path);
      for (const [key, child] of Object.entries(node)) visit(child, `${path}/${key}`);
    };
    visit(schema, '');
    assert.deepEqual(twice, []);
  });
});
