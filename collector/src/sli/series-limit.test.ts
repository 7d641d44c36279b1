import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CollectorConfigSchema } from '../config/schema.ts';
import { resolveSlos } from '../config/slo/resolve.ts';
import { MAX_LABEL_CHARS, MAX_SERVICE_CHARS, MAX_VERSION_CHARS } from '../decode/identity.ts';
import { SliAggregator } from './aggregate.ts';
import { decodeSeries, encodeSeries } from './series.ts';
import { SeriesLimiter } from './series-limit.ts';
import { failed, span } from './testing/spans.ts';

const defs = resolveSlos(
  CollectorConfigSchema.parse({
    technicalSlos: false,
    slos: [{ name: 'chat', objective: 99, groupBy: ['model'], maxSeries: 1 }],
  }),
);
const aggregate = (services: string[]) =>
  new SliAggregator(defs).aggregate(services.map((service) => failed('timeout', { service })));
const services = (deltas: { series: string }[]) =>
  deltas.map((d) => decodeSeries(d.series, ['model'])!.service);

/** An SLO `chat` without groupBy that keeps two series. */
const twoSeries = resolveSlos(
  CollectorConfigSchema.parse({
    technicalSlos: false,
    slos: [{ name: 'chat', objective: 99, groupBy: [], maxSeries: 2 }],
  }),
);
/** The stored id of `twoSeries`' series of `version` of `service`. */
const versionId = (service: string, version: string) => encodeSeries({ service, version, dims: [] }, []);

describe('series limit', () => {
  it('keeps the first maxSeries series and folds the rest, counts and examples, into __overflow__', () => {
    const limiter = new SeriesLimiter(defs);
    const admission = limiter.admit(aggregate(['a', 'b', 'c']));
    assert.deepEqual(services(admission.deltas), ['a', '__overflow__']);
    const overflow = admission.deltas[1]!;
    assert.deepEqual(overflow.labels, {
      service: '__overflow__',
      version: '__overflow__',
      dims: ['__overflow__'],
    });
    assert.equal(overflow.counts.total, 2);
    assert.equal(overflow.counts.extra['c:timeout'], 2);
    assert.equal(overflow.exampleTraceIds.length, 2);
    assert.deepEqual(admission.overflowEvents, new Map([['chat', 2]]));
    assert.deepEqual(limiter.counts(), new Map([['chat', 1]]));
  });

  it('a released (uncommitted) batch takes no place; a committed one keeps its series', () => {
    const limiter = new SeriesLimiter(defs);
    const failedBatch = limiter.admit(aggregate(['a']));
    const concurrent = limiter.admit(aggregate(['a']));
    limiter.release(failedBatch);
    assert.deepEqual(services(limiter.admit(aggregate(['b'])).deltas), ['b']);
    limiter.reset([]);
    limiter.confirm(concurrent);
    assert.deepEqual(services(limiter.admit(aggregate(['b'])).deltas), ['__overflow__']);
  });

  it('reset mirrors the store: stored series keep their place, the overflow series takes none', () => {
    const limiter = new SeriesLimiter(defs);
    const [stored] = aggregate(['a']);
    limiter.reset([
      { slo: 'chat', series: stored!.series },
      { slo: 'chat', series: limiter.admit(aggregate(['x', 'y'])).deltas[1]!.series },
      { slo: 'gone', series: '["z",""]' },
    ]);
    assert.deepEqual(limiter.counts(), new Map([['chat', 1]]));
    assert.deepEqual(services(limiter.admit(aggregate(['a', 'b'])).deltas), ['a', '__overflow__']);
  });

  it('series stored under an earlier groupBy take no place (they only wait to age out)', () => {
    const limiter = new SeriesLimiter(defs);
    // The SLO used to group by provider: its stored series have other dimensions.
    const before = resolveSlos(
      CollectorConfigSchema.parse({
        technicalSlos: false,
        slos: [{ name: 'chat', objective: 99, groupBy: ['provider'], maxSeries: 1 }],
      }),
    );
    const [old] = new SliAggregator(before).aggregate([failed('timeout', { service: 'old' })]);
    limiter.reset([{ slo: 'chat', series: old!.series }]);
    assert.deepEqual(limiter.counts(), new Map([['chat', 0]]));
    assert.deepEqual(services(limiter.admit(aggregate(['a'])).deltas), ['a']);
  });

  it('a series stored before its groupBy was reordered keeps its one place under the new order', () => {
    const slo = (groupBy: string[]) =>
      resolveSlos(
        CollectorConfigSchema.parse({
          technicalSlos: false,
          slos: [{ name: 'chat', objective: 99, groupBy, maxSeries: 1 }],
        }),
      );
    const spans = [failed('timeout', { service: 'a' })];
    const [old] = new SliAggregator(slo(['provider', 'model'])).aggregate(spans);
    const limiter = new SeriesLimiter(slo(['model', 'provider']));
    limiter.reset([{ slo: 'chat', series: old!.series }]);
    // The same series under its new id: not a second series, so not folded into overflow.
    const admission = limiter.admit(new SliAggregator(slo(['model', 'provider'])).aggregate(spans));
    assert.deepEqual(
      admission.deltas.map((d) => d.labels),
      [{ service: 'a', version: '1.0.0', dims: ['gpt-4o', 'openai'] }],
    );
    assert.deepEqual(limiter.counts(), new Map([['chat', 1]]));
  });

  it('series stored with labels longer than the decoders keep are ignored and take no place', () => {
    // Stored before labels were capped: /metrics would carry them (megabytes each) for 30 days.
    const id = (service: string, version: string, model: string) =>
      encodeSeries({ service, version, dims: [model] }, ['model']);
    const within = id(
      's'.repeat(MAX_SERVICE_CHARS),
      'v'.repeat(MAX_VERSION_CHARS),
      'm'.repeat(MAX_LABEL_CHARS),
    );
    assert.deepEqual(decodeSeries(within, ['model'])?.dims, ['m'.repeat(MAX_LABEL_CHARS)]);
    // Escaped characters count once, as the decoders count them.
    assert.ok(decodeSeries(id('\u0001'.repeat(MAX_SERVICE_CHARS), '"', '\\'), ['model']) !== undefined);
    const tooLong = [
      id('s'.repeat(MAX_SERVICE_CHARS + 1), '', 'gpt-4o'),
      id('checkout', 'v'.repeat(MAX_VERSION_CHARS + 1), 'gpt-4o'),
      id('checkout', '', 'm'.repeat(MAX_LABEL_CHARS + 1)),
      id('s'.repeat(7 << 20), '', 'gpt-4o'),
    ];
    for (const series of tooLong) assert.equal(decodeSeries(series, ['model']), undefined);
    assert.equal(
      decodeSeries(encodeSeries({ service: 'x'.repeat(300), version: '', dims: [] }, []), []),
      undefined,
    );
    const limiter = new SeriesLimiter(defs);
    limiter.reset(tooLong.map((series) => ({ slo: 'chat', series })));
    assert.deepEqual(limiter.counts(), new Map([['chat', 0]]));
  });

  it("a known service's further series fold into its own overflow series, others into the fleet's", () => {
    const two = resolveSlos(
      CollectorConfigSchema.parse({
        technicalSlos: false,
        slos: [{ name: 'chat', objective: 99, groupBy: ['model'], maxSeries: 2 }],
      }),
    );
    const limiter = new SeriesLimiter(two);
    const deltas = (...spans: [string, string, string][]) =>
      new SliAggregator(two).aggregate(
        spans.map(([service, serviceVersion, requestModel]) =>
          failed('timeout', { service, serviceVersion, requestModel }),
        ),
      );
    limiter.admit(deltas(['chat', 'v1', 'gpt-4o'], ['search', 'v1', 'gpt-4o']));
    // A new version of chat, a new model of search and a new service, with the SLO full.
    const admission = limiter.admit(
      deltas(
        ['chat', 'v2', 'gpt-4o'],
        ['chat', 'v3', 'gpt-4o'],
        ['search', 'v1', 'o3'],
        ['billing', 'v1', 'gpt-4o'],
      ),
    );
    const labels = admission.deltas.map((d) => [d.labels.service, d.labels.version, ...d.labels.dims]);
    assert.deepEqual(labels, [
      ['chat', '__overflow__', '__overflow__'],
      ['search', '__overflow__', '__overflow__'],
      ['__overflow__', '__overflow__', '__overflow__'],
    ]);
    assert.deepEqual(
      admission.deltas.map((d) => d.counts.total),
      [2, 1, 1],
    );
    assert.deepEqual(admission.overflowEvents, new Map([['chat', 4]]));
    assert.deepEqual(limiter.counts(), new Map([['chat', 2]]), 'overflow series take no place');
    // The store holds them; a restart reads them back as overflow series, not as admitted ones.
    const restarted = new SeriesLimiter(two);
    restarted.reset(
      [
        ...limiter.admit(deltas(['chat', 'v1', 'gpt-4o'], ['search', 'v1', 'gpt-4o'])).deltas,
        ...admission.deltas,
      ].map((d) => ({ slo: 'chat', series: d.series })),
    );
    assert.deepEqual(restarted.counts(), new Map([['chat', 2]]));
    assert.deepEqual(
      restarted.admit(deltas(['chat', 'v4', 'gpt-4o'])).deltas.map((d) => d.labels.service),
      ['chat'],
    );
  });

  it("services' own overflow series are capped at maxSeries too, and a failed batch's are released", () => {
    const limiter = new SeriesLimiter(twoSeries);
    // Stored: two admitted series, and the overflow series of two services that have aged out.
    limiter.reset(
      [
        versionId('a', 'v1'),
        versionId('b', 'v1'),
        versionId('gone-1', '__overflow__'),
        versionId('gone-2', '__overflow__'),
      ].map((series) => ({
        slo: 'chat',
        series,
      })),
    );
    const newVersion = (service: string) =>
      new SliAggregator(twoSeries).aggregate([span({ service, serviceVersion: 'v2' })]);
    assert.equal(limiter.admit(newVersion('a')).deltas[0]!.labels.service, '__overflow__', 'cap reached');

    const fresh = new SeriesLimiter(twoSeries);
    fresh.reset(
      [versionId('a', 'v1'), versionId('b', 'v1'), versionId('gone-1', '__overflow__')].map((series) => ({
        slo: 'chat',
        series,
      })),
    );
    const failedBatch = fresh.admit(newVersion('a'));
    assert.deepEqual(failedBatch.deltas[0]!.labels, { service: 'a', version: '__overflow__', dims: [] });
    fresh.release(failedBatch);
    // a's overflow series was released: gone-1's and b's make two, within the cap.
    assert.deepEqual(fresh.admit(newVersion('b')).deltas[0]!.labels, {
      service: 'b',
      version: '__overflow__',
      dims: [],
    });
  });

  it("a service whose series were all retired into its overflow series folds its further series there, not into the fleet's", () => {
    const limiter = new SeriesLimiter(twoSeries);
    // The SLO is full, and a's versions were retired: only its own overflow series holds its counts.
    limiter.reset(
      [versionId('b', 'v1'), versionId('c', 'v1'), versionId('a', '__overflow__')].map((series) => ({
        slo: 'chat',
        series,
      })),
    );
    const admission = limiter.admit(
      new SliAggregator(twoSeries).aggregate([span({ service: 'a', serviceVersion: 'v9' })]),
    );
    // The gate reads a's own overflow series for a service the store holds counts of, not the fleet's.
    assert.deepEqual(admission.deltas[0]!.labels, { service: 'a', version: '__overflow__', dims: [] });
  });

  it('spans of admitted series pass through untouched', () => {
    const limiter = new SeriesLimiter(defs);
    const deltas = new SliAggregator(defs).aggregate([span({ service: 'a' }), span({ service: 'a' })]);
    assert.deepEqual(limiter.admit(deltas).deltas, deltas);
  });
});
