// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} references
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { collectorConfigJsonSchema, configKeys } from './json-schema.ts';
import { parseConfig } from './load.ts';
import { withRefsInlined } from './schema-defs.ts';
import { type FitNode, fits } from './testing/json-schema-fit.ts';

const schema = collectorConfigJsonSchema() as FitNode;

/** Whether the loader accepts `document` (as YAML gives it) with `env`. */
function loads(document: Record<string, unknown>, env: Record<string, string>): boolean {
  try {
    parseConfig({ name: 'c.yaml', text: stringify(document) }, env);
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
