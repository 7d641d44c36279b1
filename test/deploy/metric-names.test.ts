/**
 * examples/deploy/known-metrics.json against the code: the SDK names against
 * @breakwater/protocol's METRIC (as the OpenTelemetry Collector's prometheus exporter renders
 * them), the collector names against collector/src once the collector defines them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { METRIC } from '../../packages/protocol/src/metrics.ts';
import { REPO } from './deploy-files.ts';
import { knownMetrics } from './known-metrics.ts';

/** Prometheus name of an OTel metric, per the OTLP → Prometheus compatibility rules. */
function prometheusName(otel: string, type: string, unit: string | undefined): string {
  let name = otel.replace(/[^a-zA-Z0-9_:]/g, '_');
  const unitSuffix =
    unit === 's' ? 'seconds' : unit === 'ms' ? 'milliseconds' : unit === 'By' ? 'bytes' : undefined;
  if (unitSuffix && !name.endsWith(`_${unitSuffix}`)) name += `_${unitSuffix}`;
  if (type === 'counter') name += '_total';
  return name;
}

describe('known-metrics.json: SDK metrics', () => {
  const sdk = knownMetrics().filter((m) => m.section === 'sdk');

  test('lists every metric in @breakwater/protocol METRIC and nothing else', () => {
    assert.deepEqual(sdk.map((m) => m.otel).sort(), Object.values(METRIC).sort());
  });

  test('names are the prometheus exporter rendering of the OTel names', () => {
    for (const metric of sdk) {
      assert.equal(metric.name, prometheusName(metric.otel ?? '', metric.type, metric.unit), metric.otel);
    }
  });
});

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

/** Families the collector exposes. */
const FAMILIES = ['breakwater_slo_', 'breakwater_ingest_', 'breakwater_fleet_', 'breakwater_gate_'];

describe('known-metrics.json: collector metrics', () => {
  const source = sourceFiles(path.join(REPO, 'collector/src'))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  const collector = knownMetrics().filter((m) => m.section === 'collector');
  /**
   * Whether collector/src writes the series: spelled out (with or without the `_total` that
   * exposition code may append), or as the rest after a family prefix constant
   * (`${P}burn_rate`, `'burn_rate'`).
   */
  const defined = (name: string): boolean => {
    const base = name.replace(/_total$/, '');
    if (source.includes(base)) return true;
    const family = FAMILIES.find((f) => name.startsWith(f));
    if (!family) return false;
    return [name, base]
      .map((n) => n.slice(family.length))
      .some((rest) => ['}', "'", '"'].some((open) => new RegExp(`\\${open}${rest}[\`'"]`).test(source)));
  };

  test('every name is defined in collector/src', () => {
    const missing = collector.filter((m) => !defined(m.name)).map((m) => m.name);
    assert.deepEqual(
      missing,
      [],
      'examples/deploy/known-metrics.json names series the collector does not define: rename them there and in examples/deploy/grafana/breakwater-dashboard.json',
    );
  });

  test('reports collector series that are not listed (informational)', (t) => {
    const listed = new Set(collector.flatMap((m) => [m.name, m.name.replace(/_total$/, '')]));
    const extra = [
      ...new Set(source.match(/\bbreakwater_(?:slo|ingest|fleet|gate)_[a-z0-9_]+/g) ?? []),
    ].filter((name) => !listed.has(name) && !FAMILIES.includes(name));
    if (extra.length)
      t.diagnostic(`collector series not in known-metrics.json (not on the dashboard): ${extra.join(', ')}`);
  });
});
