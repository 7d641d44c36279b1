import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTR, SEMCONV } from '@breakwater/protocol';
import {
  capChars,
  MAX_DEPENDENCY_CHARS,
  MAX_ERROR_TYPE_CHARS,
  MAX_LABEL_CHARS,
  MAX_SERVICE_CHARS,
} from '../../decode/identity.ts';
import { ConfigError } from '../config-error.ts';
import { parseConfig } from '../load.ts';

/** Every problem of `text` as `path: message`, without positions ([] when it loads). */
function problems(text: string): string[] {
  try {
    parseConfig({ name: 'collector.yaml', text }, {});
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message.split('\n').map((line) => line.replace(/^collector\.yaml(:\d+:\d+)?: /, ''));
  }
  return [];
}

const long = (n: number, c = 'x') => c.repeat(n);

function native(selector: string): string {
  return `slos:\n  - name: a\n    objective: 99\n    selector: ${selector}\n`;
}

describe('selector values longer than the identity caps never match: a config error naming the key', () => {
  it('for each selector key, at the cap of the span value it compares with', () => {
    const cases: [key: string, cap: number, field: string][] = [
      ['service', MAX_SERVICE_CHARS, 'service.name'],
      ['span', MAX_LABEL_CHARS, 'the span name'],
      ['operation', MAX_LABEL_CHARS, SEMCONV.GEN_AI_OPERATION_NAME],
      ['provider', MAX_LABEL_CHARS, SEMCONV.GEN_AI_PROVIDER_NAME],
      ['model', MAX_LABEL_CHARS, SEMCONV.GEN_AI_REQUEST_MODEL],
      ['tool', MAX_LABEL_CHARS, SEMCONV.GEN_AI_TOOL_NAME],
      ['dependency', MAX_DEPENDENCY_CHARS, 'the dependency key'],
    ];
    for (const [key, cap, field] of cases) {
      assert.deepEqual(problems(native(`{ ${key}: ${long(cap)} }`)), [], `${key} at its cap`);
      const [problem, ...rest] = problems(native(`{ ${key}: ${long(cap + 1)} }`));
      assert.deepEqual(rest, []);
      assert.equal(
        problem,
        `slos[0].selector.${key}: never matches: ${cap + 1} characters long, but the collector cuts ${field} to ${cap} characters as it decodes spans (the rest becomes "…" and a hash); shorten it (or use the capped form shown in the labels)`,
      );
    }
  });

  it('names the list item, and accepts the capped form the collector keeps', () => {
    const capped = capChars(long(300), MAX_SERVICE_CHARS);
    assert.deepEqual(problems(native(`{ service: [checkout, "${capped}"] }`)), []);
    assert.match(
      problems(native(`{ service: [checkout, ${long(300)}] }`)).join('\n'),
      /^slos\[0\]\.selector\.service\[1\]: never matches: 300 characters/,
    );
  });

  it('for attributes, at the cap of the field the attribute key is read into', () => {
    const found = problems(
      native(
        `{ attributes: { app.tenant: ${long(MAX_LABEL_CHARS + 1)}, ${SEMCONV.SERVICE_NAME}: ${long(MAX_SERVICE_CHARS + 1)}, ${SEMCONV.ERROR_TYPE}: [ok, ${long(MAX_ERROR_TYPE_CHARS + 1)}], ${ATTR.DEPENDENCY}: ${long(MAX_DEPENDENCY_CHARS)}, app.short: ${long(MAX_LABEL_CHARS)} } }`,
      ),
    ).map((p) =>
      p.replace(
        / never matches: (\d+) characters long, but the collector cuts (\S+) to (\d+) characters.*/,
        ' $1 $2 $3',
      ),
    );
    assert.deepEqual(found, [
      `slos[0].selector.attributes.app.tenant[0]: ${MAX_LABEL_CHARS + 1} app.tenant ${MAX_LABEL_CHARS}`,
      `slos[0].selector.attributes.service.name[0]: ${MAX_SERVICE_CHARS + 1} service.name ${MAX_SERVICE_CHARS}`,
      `slos[0].selector.attributes.error.type[1]: ${MAX_ERROR_TYPE_CHARS + 1} error.type ${MAX_ERROR_TYPE_CHARS}`,
    ]);
  });

  it('in OpenSLO documents: spec.service and the metric sources', () => {
    const text = `slos:
  - apiVersion: openslo/v1
    kind: SLO
    metadata: { name: chat }
    spec:
      service: ${long(MAX_SERVICE_CHARS + 1)}
      budgetingMethod: Occurrences
      timeWindow: [{ duration: 28d, isRolling: true }]
      objectives: [{ target: 0.995 }]
      indicator:
        metadata: { name: chat-errors }
        spec:
          ratioMetric:
            bad: { metricSource: { type: breakwater, spec: { status: error } } }
            total: { metricSource: { type: breakwater, spec: { model: ${long(MAX_LABEL_CHARS + 1)} } } }
`;
    const paths = problems(text).map((p) => p.split(': never matches')[0]);
    assert.deepEqual(paths, [
      'slos[0].spec.service',
      'slos[0].spec.indicator.spec.ratioMetric.total.metricSource.spec.model',
    ]);
  });

  it('for fleet.perDependency keys, exact or patterns whose literal characters exceed the cap', () => {
    const exact = long(MAX_DEPENDENCY_CHARS + 1, 'd');
    const pattern = `${long(MAX_DEPENDENCY_CHARS, 'p')}/*`;
    const fine = `${long(MAX_DEPENDENCY_CHARS - 1, 'f')}*`;
    const found = problems(
      `fleet:\n  perDependency:\n    "${exact}": { quorum: 3 }\n    "${pattern}": { quorum: 3 }\n    "${fine}": { quorum: 3 }\n    "${long(MAX_DEPENDENCY_CHARS, 'e')}": { quorum: 3 }\n`,
    );
    assert.deepEqual(found, [
      `fleet.perDependency.${exact}: never matches: ${MAX_DEPENDENCY_CHARS + 1} characters long, but the collector cuts dependency keys to ${MAX_DEPENDENCY_CHARS} characters as it decodes spans (the rest becomes "…" and a hash)`,
      `fleet.perDependency.${pattern}: never matches: a pattern matching at least ${MAX_DEPENDENCY_CHARS + 1} characters, but the collector cuts dependency keys to ${MAX_DEPENDENCY_CHARS} characters as it decodes spans (the rest becomes "…" and a hash)`,
    ]);
  });
});
