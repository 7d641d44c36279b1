import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, METRIC } from '@breakwater/protocol';
import { agent } from './agent.ts';
import { attrs, FAST, harnessPerFile } from './testing/harness.ts';
import { countAndSum, type MetricPoint } from './testing/metric-points.ts';
import { tool } from './tool.ts';

// `gen_ai.execute_tool.duration` and `gen_ai.invoke_agent.duration`: one point per tool call and
// per agent invocation, the span's duration on the runtime's (here manual) clock, with the
// attributes the GenAI conventions give them.

const clock = new ManualClock();
const h = harnessPerFile(FAST, clock);

/** Resolves `value` after `ms` on the manual clock. */
const after_ = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => clock.setTimeout(() => resolve(value), ms));

async function pointsOf(name: string, attribute: string, value: string): Promise<MetricPoint[]> {
  return (await h.points(name)).filter((p) => p.attributes[attribute] === value);
}

describe('tool and agent duration metrics', () => {
  it('a tool call: its duration, tool name and type; a failed one adds the span’s error.type', async () => {
    const lookup = tool(
      'lookup_stock',
      (ok: boolean) =>
        after_(250, ok).then((fine) => {
          if (!fine) throw new Error('inventory said no');
          return 7;
        }),
      { type: 'datastore' },
    );
    const done = Promise.all([lookup(true), assert.rejects(lookup(false), /inventory said no/)]);
    await clock.advance(300);
    await done;
    const points = await pointsOf(METRIC.GEN_AI_EXECUTE_TOOL_DURATION, 'gen_ai.tool.name', 'lookup_stock');
    const ok = points.find((p) => p.attributes['error.type'] === undefined);
    assert.deepEqual(ok?.attributes, { 'gen_ai.tool.name': 'lookup_stock', 'gen_ai.tool.type': 'datastore' });
    assert.deepEqual(countAndSum(ok), { count: 1, sum: 0.25 });
    const failed = points.find((p) => p.attributes['error.type'] !== undefined);
    const span = h.spans().find((s) => s.name === 'execute_tool lookup_stock' && s.status.code === 2);
    assert.ok(span);
    assert.equal(failed?.attributes['error.type'], attrs(span)['error.type']);
    assert.equal(countAndSum(failed)?.count, 1);
    const [histogram] = (await h.metrics()).scopeMetrics
      .flatMap((sm) => sm.metrics)
      .filter((m) => m.descriptor.name === METRIC.GEN_AI_EXECUTE_TOOL_DURATION);
    assert.equal(histogram?.descriptor.unit, 's');
  });

  it('an agent: its duration with its name; the tools it runs name it too', async () => {
    const search = tool('search_docs', () => after_(100, ['doc']));
    const helper = agent('Support Bot', async (question: string) => {
      await after_(50, question);
      return search();
    });
    const answer = helper('where is my order?');
    await clock.advance(200);
    assert.deepEqual(await answer, ['doc']);
    const [run] = await pointsOf(METRIC.GEN_AI_INVOKE_AGENT_DURATION, 'gen_ai.agent.name', 'Support Bot');
    assert.deepEqual(run?.attributes, { 'gen_ai.agent.name': 'Support Bot' });
    assert.deepEqual(countAndSum(run), { count: 1, sum: 0.15 });
    const [toolRun] = await pointsOf(METRIC.GEN_AI_EXECUTE_TOOL_DURATION, 'gen_ai.tool.name', 'search_docs');
    assert.equal(toolRun?.attributes['gen_ai.agent.name'], 'Support Bot');
    assert.deepEqual(countAndSum(toolRun), { count: 1, sum: 0.1 });

    // The same tool outside any agent: a point of its own, naming none.
    const alone = search();
    await clock.advance(100);
    await alone;
    const points = await pointsOf(METRIC.GEN_AI_EXECUTE_TOOL_DURATION, 'gen_ai.tool.name', 'search_docs');
    assert.deepEqual(points.map((p) => p.attributes['gen_ai.agent.name']).sort(), ['Support Bot', undefined]);
  });

  it('an agent that throws: error.type as on its span; the agent buckets reach minutes', async () => {
    const failing = agent('Planner', () =>
      after_(20, 0).then(() => Promise.reject(new TypeError('no plan'))),
    );
    const failed = assert.rejects(failing(), /no plan/);
    await clock.advance(20);
    await failed;
    const [point] = await pointsOf(METRIC.GEN_AI_INVOKE_AGENT_DURATION, 'gen_ai.agent.name', 'Planner');
    const span = h.spans().find((s) => s.name === 'invoke_agent Planner');
    assert.ok(span && point);
    assert.equal(point.attributes['error.type'], attrs(span)['error.type']);
    assert.equal(typeof point.attributes['error.type'], 'string');
    const { buckets } = point.value as { buckets: { boundaries: number[] } };
    assert.deepEqual([buckets.boundaries[0], buckets.boundaries.at(-1)], [0.1, 409.6]);
  });
});
