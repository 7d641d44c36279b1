import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { collectorConfigJsonSchema, configKeys, renderConfigReference } from './json-schema.ts';
import { CollectorConfigSchema } from './schema.ts';
import { type FitNode, fits } from './testing/json-schema-fit.ts';

const root = new URL('../../', import.meta.url);
const regenerate =
  'regenerate with: node --conditions=@breakwater/source collector/src/cli/main.ts config-schema [--markdown]';

describe('configuration reference', () => {
  it('config.schema.json is the JSON Schema generated from the zod schema', async () => {
    const committed = JSON.parse(await readFile(new URL('config.schema.json', root), 'utf8'));
    assert.deepEqual(committed, collectorConfigJsonSchema(), regenerate);
  });

  it('CONFIG.md lists every key the schema has', async () => {
    const committed = await readFile(new URL('CONFIG.md', root), 'utf8');
    assert.equal(committed, renderConfigReference(), regenerate);
    // The SLO keys: of the native and the OpenSLO forms, down to a native SLO's levels and an indicator.
    const sloKeys = [
      'slos[].objective',
      'slos[].levels.quantile',
      'slos[].spec.indicator.spec.ratioMetric.total',
    ];
    for (const key of [
      'listen',
      'auth.tokens[].scopes',
      'fleet.quorum',
      'gate.window',
      'store.kind',
      ...sloKeys,
    ]) {
      assert.match(committed, new RegExp(`\`${key.replaceAll('[', '\\[').replaceAll(']', '\\]')}\``));
    }
  });

  it('lists the values a key takes also where it takes a list of them, or one value or a list', () => {
    const allowed = new Map(
      [...renderConfigReference().matchAll(/^\| `([^`]+)` \| [^|]*(?:\\\|[^|]*)* \| .*? \| (.*) \|$/gm)].map(
        (m) => [m[1]!, m[2]!],
      ),
    );
    assert.equal(allowed.get('auth.tokens[].scopes'), '`ingest`, `subscribe`, `admin`, `gate`');
    assert.equal(allowed.get('forward[].signals'), '`traces`, `metrics`');
    assert.equal(allowed.get('slos[].selector.status'), '`unset`, `ok`, `error`');
    assert.equal(allowed.get('slos[].selector.service'), 'not empty, at most 256 characters');
    assert.equal(allowed.get('defaultSlos'), '`"auto"`');
    assert.equal(allowed.get('fleet.ramp'), 'each > 0, ≤ 1');
  });
});

/**
 * Optional keys that have no default, neither a value nor a derived one: unset turns something
 * off. Every other key shows its default in the schema (`default`, or `defaultText` via
 * derived-default.ts) or is required where it appears. An entry ending in `.*` stands for every
 * key under it.
 */
const NO_DEFAULT: Readonly<Record<string, string>> = {
  'alertmanager.url': 'unset: alerts are not pushed to Alertmanager',
  'alertmanager.generatorUrl': 'unset: alerts carry no generatorURL',
  'gate.alerts.traceUrlTemplate': 'unset: example traces are given by trace id, without a link',
  'slos[].description': 'unset: the SLO has no description',
  'slos[].selector.*': 'unset: that selector key does not narrow which spans count',
  'slos[].threshold': 'required for a latency SLO, refused for an availability one',
  'slos[].metadata.*': 'OpenSLO metadata: optional, nothing to default',
  'slos[].spec.*':
    'OpenSLO spec fields: optional, nothing to default (which of them go together, e.g. one indicator, is checked at load)',
};

/** The NO_DEFAULT entry covering `key`, if any. */
function noDefaultEntry(key: string): string | undefined {
  return Object.keys(NO_DEFAULT).find((entry) =>
    entry.endsWith('.*') ? key.startsWith(entry.slice(0, -1)) : key === entry,
  );
}

describe('configuration reference: defaults', () => {
  // Form headings (an SLO entry's native or OpenSLO form) are not keys of their own.
  const keys = configKeys().filter(({ form }) => form === undefined);

  it('shows a default for every key that has one', () => {
    const missing = keys
      .filter(({ key, node, required, item }) => {
        const shown = node.default !== undefined || node.defaultText !== undefined;
        return !shown && !required && !item && noDefaultEntry(key) === undefined;
      })
      .map(({ key }) => key);
    assert.deepEqual(
      missing,
      [],
      'give these keys an input-side default (.prefault), or .meta(derivedDefault(…)) for one derived in code, or list them in NO_DEFAULT with the reason',
    );
  });

  it('lists in NO_DEFAULT only optional keys without a shown default', () => {
    for (const entry of Object.keys(NO_DEFAULT)) {
      const found = keys.filter(({ key }) => noDefaultEntry(key) === entry);
      assert.ok(found.length > 0, `${entry}: no such key`);
      if (!entry.endsWith('.*')) assert.equal(found[0]!.required, false, `${entry} is required`);
      for (const { key, node, required } of found) {
        if (required) continue;
        assert.equal(node.default ?? node.defaultText, undefined, `${key} shows a default`);
      }
    }
  });

  it('shows the defaults the parser applies: giving the shown default changes nothing', () => {
    const defaults = CollectorConfigSchema.parse({});
    const literal = keys.filter(({ key, node }) => node.default !== undefined && !key.includes('[]'));
    assert.ok(literal.length > 50, `only ${literal.length} keys with a default`);
    for (const { key, node } of literal) {
      const config: Record<string, unknown> = {};
      let at = config;
      const path = key.split('.');
      for (const part of path.slice(0, -1)) {
        const next: Record<string, unknown> = {};
        at[part] = next;
        at = next;
      }
      at[path.at(-1) as string] = node.default;
      assert.deepEqual(CollectorConfigSchema.parse(config), defaults, key);
    }
  });

  it('derives maxSubscribersPerToken as documented: half of maxSubscribers, rounded up', () => {
    const stream = (input: object) => CollectorConfigSchema.parse({ fleet: { stream: input } }).fleet.stream;
    assert.equal(stream({}).maxSubscribersPerToken, 5_000);
    assert.equal(stream({ maxSubscribers: 7 }).maxSubscribersPerToken, 4);
    assert.equal(stream({ maxSubscribers: 7, maxSubscribersPerToken: 7 }).maxSubscribersPerToken, 7);
  });
});

const SLI_DOC = {
  apiVersion: 'openslo/v1',
  kind: 'SLI',
  metadata: { name: 'tool-errors' },
  spec: {
    ratioMetric: {
      bad: { metricSource: { type: 'breakwater', spec: { status: 'error' } } },
      total: { metricSource: { type: 'breakwater', spec: [{ operation: 'execute_tool' }] } },
    },
  },
};

const SLO_DOC = {
  apiVersion: 'openslo/v1',
  kind: 'SLO',
  metadata: { name: 'tools', labels: { tier: 'business' } },
  spec: {
    service: 'checkout',
    budgetingMethod: 'Occurrences',
    timeWindow: [{ duration: '28d', isRolling: true }],
    objectives: [{ targetPercent: 99 }],
    indicatorRef: SLI_DOC.metadata.name,
  },
};

/** Good entries of each form (with nested objects and lists), by the title of their form. */
const GOOD_SLOS: readonly [string, Record<string, unknown>][] = [
  [
    'Native SLO',
    {
      name: 'chat-availability',
      objective: 99.5,
      window: '28d',
      selector: { service: 'checkout', operation: ['chat'], attributes: { 'app.tenant': 'a' } },
      groupBy: ['model'],
      bad: { sources: ['dependency'] },
      levels: { warning: 99.5, severe: 99 },
    },
  ],
  [
    'Native SLO',
    {
      name: 'chat-latency',
      sli: 'latency',
      threshold: '2s',
      objective: 95,
      levels: { quantile: 0.9, warning: '250ms' },
    },
  ],
  ['OpenSLO v1 SLO', SLO_DOC],
  ['OpenSLO v1 SLI (for indicatorRef)', SLI_DOC],
];

/** Entries with one key misspelt, at the top of an entry or deep inside one, by that key. */
const MISSPELT_SLOS: readonly [string, Record<string, unknown>][] = [
  ['windw', { name: 'a', objective: 99, windw: '30d' }],
  ['modle', { name: 'a', objective: 99, selector: { modle: 'gpt-4o' } }],
  ['quantil', { name: 'a', sli: 'latency', threshold: '2s', objective: 95, levels: { quantil: 0.9 } }],
  ['budgetingMetod', { ...SLO_DOC, spec: { ...SLO_DOC.spec, budgetingMetod: 'Occurrences' } }],
  ['totl', { ...SLI_DOC, spec: { ratioMetric: { ...SLI_DOC.spec.ratioMetric, totl: {} } } }],
];

describe('configuration reference: SLO entries', () => {
  const schema = collectorConfigJsonSchema() as FitNode;
  const entry = schema.properties?.slos?.items as FitNode;
  /** Titles of the forms `slo` fits (keys, constants, types and patterns). */
  const formsFitting = (slo: unknown) =>
    (entry.anyOf ?? []).filter((form) => fits(form, slo, schema)).map((form) => form.title);

  it('describes an entry as any of its three forms, each closed to unknown keys', () => {
    assert.deepEqual(
      entry.anyOf?.map((form) => [form.title, form.additionalProperties]),
      [
        ['Native SLO', false],
        ['OpenSLO v1 SLO', false],
        ['OpenSLO v1 SLI (for indicatorRef)', false],
      ],
    );
  });

  it('takes a good entry of each form, in that form only, as the loader does', () => {
    const slos = GOOD_SLOS.map(([, slo]) => slo);
    const parsed = CollectorConfigSchema.safeParse({ slos });
    assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
    for (const [title, slo] of GOOD_SLOS) assert.deepEqual(formsFitting(slo), [title], JSON.stringify(slo));
  });

  it('rejects an entry with a misspelt key, as the loader does', () => {
    for (const [key, slo] of MISSPELT_SLOS) {
      assert.deepEqual(formsFitting(slo), [], key);
      const parsed = CollectorConfigSchema.safeParse({ slos: [slo] });
      assert.ok(JSON.stringify(parsed.error?.issues).includes(key), `the loader reports ${key}`);
    }
  });

  it("shows an entry's defaults, given by the parser or worked out where used", () => {
    const native = entry.anyOf?.[0]?.properties ?? {};
    assert.equal(native.window?.default, '30d');
    assert.deepEqual(native.selector?.default, {});
    assert.equal(native.minEvents?.defaultText, '`evaluation.minEvents`');
    const levels = native.levels?.anyOf?.map((form) => form.properties?.warning?.defaultText);
    assert.deepEqual(levels, ['`99.5`', '`300ms`']);
  });
});
