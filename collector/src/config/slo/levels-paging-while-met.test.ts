import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CollectorConfigSchema } from '../schema.ts';
import { levelsPagingWhileMet } from './levels-paging-while-met.ts';
import { resolveSlos } from './resolve.ts';

/** The advice for each SLO of a configuration, by name (absent when there is none). */
function adviceFor(doc: unknown): Record<string, string> {
  const advice: Record<string, string> = {};
  for (const slo of resolveSlos(CollectorConfigSchema.parse(doc))) {
    const text = levelsPagingWhileMet(slo);
    if (text !== undefined) advice[slo.name] = text;
  }
  return advice;
}

describe('levels that page while the SLO is met', () => {
  it('says nothing of the built-in SLOs or of levels left to their defaults', () => {
    assert.deepEqual(adviceFor({}), {});
    assert.deepEqual(
      adviceFor({
        slos: [
          { name: 'low', objective: 95 },
          { name: 'high', objective: 99.9 },
          { name: 'slow-tools', sli: 'latency', threshold: '2s', objective: 90 },
          { name: 'fast', sli: 'latency', threshold: '100ms', objective: 99 },
        ],
      }),
      {},
    );
  });

  it('names a severe success-rate level above the objective', () => {
    const advice = adviceFor({
      technicalSlos: false,
      slos: [
        { name: 'chat', objective: 99, levels: { severe: 99.2, emergency: 98 } },
        { name: 'at-objective', objective: 99, levels: { severe: 99, emergency: 98 } },
      ],
    });
    assert.deepEqual(advice, {
      chat: 'severe level 99.2% is above the 99% objective: it pages while the SLO is met',
    });
  });

  it('names a latency severe level under the threshold, or a quantile above the objective', () => {
    const advice = adviceFor({
      technicalSlos: false,
      slos: [
        // Given levels keep the fixed p95 300ms/500ms/1s for the rest: a 2 s SLO pages at 500 ms.
        { name: 'tools', sli: 'latency', threshold: '2s', objective: 95, levels: { warning: '250ms' } },
        {
          name: 'tail',
          sli: 'latency',
          threshold: '1s',
          objective: 95,
          levels: { quantile: 0.99, warning: '1s', severe: '2s', emergency: '4s' },
        },
        {
          name: 'fine',
          sli: 'latency',
          threshold: '1s',
          objective: 99,
          levels: { quantile: 0.99, warning: '1s', severe: '1s', emergency: '4s' },
        },
      ],
    });
    assert.deepEqual(advice, {
      tools: 'severe level 500ms is below the 2s threshold: p95 may be between them while the SLO is met',
      tail: 'levels read p99, above the 95% objective: up to 5% of calls may be slower than the threshold while the SLO is met, so p99 may cross any level',
    });
  });
});
