/**
 * Metric names referenced by a PromQL expression (or a Grafana `label_values(...)` variable
 * query), without a full parser: strings, label matchers, ranges, Grafana variables and the
 * label lists of `by`/`without`/`on`/`ignoring`/`group_*` are removed, then every identifier
 * that is not a function call or keyword is a metric name.
 */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

export function metricNames(expression: string): string[] {
  let expr = expression;
  const labelValues = /^\s*label_values\(\s*(.*)\)\s*$/s.exec(expr);
  if (labelValues) {
    // label_values(label) or label_values(selector, label): only the selector names a metric.
    const inner = labelValues[1] ?? '';
    const comma = inner.lastIndexOf(',');
    if (comma < 0) return [];
    expr = inner.slice(0, comma);
  }
  expr = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of expr.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w.])(\s*\()?/g)) {
    const [, name, call] = match;
    if (!name || call || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}
