import { ATTR, CATEGORY_DEFAULTS, ERROR_CATEGORIES, type FaultSource, SEMCONV } from '@breakwater/protocol';
import type { Selector } from '../config/slo/selector-schema.ts';
import type { PrometheusRulesSchema } from '../config/slo-section.ts';
import { ANY_VALUE } from '../sli/selector.ts';

type RulesInput = import('zod').output<typeof PrometheusRulesSchema>;

/** One label matcher, e.g. `status_code="STATUS_CODE_ERROR"`. */
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/**
 * The label name a span attribute has on spanmetrics series, as the OpenTelemetry Collector's
 * Prometheus exporters name it: other characters than letters, digits and `_` become `_`; a name
 * that then starts with a digit gets `key_` before it, one that starts with a single `_` gets
 * `key` (`1tenant` → `key_1tenant`, `app.tenant` → `app_tenant`).
 */
export function attributeLabel(key: string): string {
  const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) return `key_${name}`;
  if (/^_[^_]/.test(name)) return `key${name}`;
  return name;
}

/**
 * Whether rules can select or group on `label`: Prometheus drops `__`-prefixed labels from what
 * it stores, and `le` on these series is the histogram's bucket bound.
 */
export function isUsableLabel(label: string): boolean {
  return label !== '' && !label.startsWith('__') && label !== 'le';
}

/** Labels the selector fields and `groupBy` dimensions map to. */
export function fieldLabels(input: RulesInput): Record<string, string> {
  return {
    service: input.serviceLabel,
    span: input.spanNameLabel,
    operation: attributeLabel(SEMCONV.GEN_AI_OPERATION_NAME),
    provider: attributeLabel(SEMCONV.GEN_AI_PROVIDER_NAME),
    model: attributeLabel(SEMCONV.GEN_AI_REQUEST_MODEL),
    tool: attributeLabel(SEMCONV.GEN_AI_TOOL_NAME),
    dependency: attributeLabel(ATTR.DEPENDENCY),
  };
}

const SOURCE = attributeLabel(ATTR.ERROR_SOURCE);
const CATEGORY = attributeLabel(ATTR.ERROR_CATEGORY);
const RETRY = attributeLabel(ATTR.RETRY_ATTEMPTS);
export const ROLE_LABEL = attributeLabel(ATTR.ROLE);

/** Matches integers greater than 1 (`breakwater.retry.attempts` rendered as a label). */
const RETRIED_RE = '[2-9]|[1-9][0-9]+';

const STATUS_VALUES = {
  unset: 'STATUS_CODE_UNSET',
  ok: 'STATUS_CODE_OK',
  error: 'STATUS_CODE_ERROR',
} as const;

/** Escapes a literal for a PromQL regular expression inside a double-quoted string. */
function regexLiteral(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function anyOf(label: string, values: readonly string[]): Matcher {
  if (values.includes(ANY_VALUE)) return { label, op: '!=', value: '' };
  if (values.length === 1) return { label, op: '=', value: values[0]! };
  return { label, op: '=~', value: values.map(regexLiteral).join('|') };
}

/**
 * A selector as alternatives of matcher sets (any set may match; within a set every matcher
 * must). Fields that mean "A or B" in the collector (an effective fault source falls back to
 * the category's default source) expand into several disjoint sets. `maxDuration` is not
 * expressible on a counter and is returned separately.
 */
export function selectorMatchers(
  selector: Selector,
  input: RulesInput,
): { sets: Matcher[][]; maxDurationMs: number | undefined } {
  const labels = fieldLabels(input);
  let sets: Matcher[][] = [[]];
  const and = (alternatives: Matcher[][]) => {
    sets = sets.flatMap((s) => alternatives.map((a) => [...s, ...a]));
  };
  for (const key of ['service', 'span', 'operation', 'provider', 'model', 'tool', 'dependency'] as const) {
    const values = selector[key];
    if (values !== undefined) and([[anyOf(labels[key]!, values)]]);
  }
  for (const [key, values] of Object.entries(selector.attributes ?? {}))
    and([[anyOf(attributeLabel(key), values)]]);
  if (selector.retried !== undefined)
    and([[{ label: RETRY, op: selector.retried ? '=~' : '!~', value: RETRIED_RE }]]);
  if (selector.status !== undefined) {
    and([
      [
        anyOf(
          input.statusLabel,
          selector.status.map((s) => STATUS_VALUES[s]),
        ),
      ],
    ]);
  }
  if (selector.errorCategory !== undefined) and([[anyOf(CATEGORY, selector.errorCategory)]]);
  if (selector.errorSource !== undefined) and(sourceAlternatives(selector.errorSource));
  if (selector.classified !== undefined) {
    and(
      selector.classified
        ? [
            [{ label: SOURCE, op: '!=', value: '' }],
            [
              { label: SOURCE, op: '=', value: '' },
              { label: CATEGORY, op: '!=', value: '' },
            ],
          ]
        : [
            [
              { label: SOURCE, op: '=', value: '' },
              { label: CATEGORY, op: '=', value: '' },
            ],
          ],
    );
  }
  return { sets, maxDurationMs: selector.maxDuration };
}

/** Effective fault source in S: an explicit source in S, or no source and a category whose default is in S. */
function sourceAlternatives(sources: readonly FaultSource[]): Matcher[][] {
  const out: Matcher[][] = [[anyOf(SOURCE, sources)]];
  const defaults = ERROR_CATEGORIES.filter((c) => sources.includes(CATEGORY_DEFAULTS[c].source));
  if (defaults.length > 0) out.push([{ label: SOURCE, op: '=', value: '' }, anyOf(CATEGORY, defaults)]);
  return out;
}

/**
 * `{a="x",b=~"y|z"}`. Values are written as JSON strings: JSON's escapes (`\"`, `\\`, `\n`,
 * `\u001b`) are PromQL's too, and PromQL refuses a raw line break inside quotes.
 */
export function formatMatchers(matchers: readonly Matcher[]): string {
  return `{${matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(',')}}`;
}
