import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock, METRIC } from '@breakwater/protocol';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  configureBreakwater,
  createRuntime,
  getRuntime,
  installRuntime,
  RUNTIME_REPLACED_WARNING,
} from './runtime.ts';
import { tool } from './tool.ts';

class OnDemand extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

// Regression: `meter` was accepted and ignored; the metrics went to the global provider only.
it('the meter given to createRuntime receives the breakwater.* metrics, gauges included', async () => {
  const reader = new OnDemand();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const runtime = createRuntime({ meter: meterProvider.getMeter('app') });
  const probe = tool('probe_tool', async () => 1, { runtime });
  await probe();
  const { resourceMetrics } = await reader.collect();
  const names = new Set(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)));
  for (const name of [METRIC.CALLS, METRIC.RETRY_ATTEMPTS, METRIC.BREAKER_STATE]) {
    assert.ok(names.has(name), `${name} missing from ${[...names].join(', ')}`);
  }
  await meterProvider.shutdown();
});

it('configureBreakwater’s limits bound the dependencies the runtime keeps', async () => {
  assert.throws(() => createRuntime({ limits: { maxDependencies: 0 } }), /limits\.maxDependencies/);
  const clock = new ManualClock(0);
  const runtime = createRuntime({ clock, limits: { maxDependencies: 16, idleMs: 0 } });
  for (let i = 0; i < 200; i++) {
    const dependency = `tool/t${i}`;
    await runtime.guard
      .pipeline(dependency, runtime.policies.resolve(dependency), 'pipeline')
      .execute(async () => i);
  }
  assert.ok(runtime.guard.breakers.size <= 16, `${runtime.guard.breakers.size} breakers kept`);
});

it('configureBreakwater() replacing the runtime start() set up says so in a process warning', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    configureBreakwater();
    configureBreakwater();
    installRuntime("@breakwater/node's start()");
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    assert.deepEqual(warnings, [], 'replacing a runtime nobody owns is quiet');
    configureBreakwater();
    await new Promise((r) => setImmediate(r));
    const [warning] = warnings as (Error & { code?: string })[];
    assert.equal(warnings.length, 1);
    assert.equal(warning?.code, RUNTIME_REPLACED_WARNING);
    assert.match(warning.message, /replaced the runtime @breakwater\/node's start\(\) set up/);
    configureBreakwater();
    await new Promise((r) => setImmediate(r));
    assert.equal(warnings.length, 1, 'said once: the runtime it replaced next is its own');
  } finally {
    process.off('warning', onWarning);
  }
});

// Regression: a misspelt `policy` was accepted, and every call ran on the default policies.
it('configureBreakwater() refuses an unknown option, suggesting the one meant, and keeps the runtime it had', () => {
  const before = configureBreakwater();
  const rules = [{ match: 'openai/*', policy: { timeoutMs: 5_000 } }];
  assert.throws(() => configureBreakwater({ policy: rules } as never), {
    name: 'TypeError',
    message: 'invalid Breakwater options:\n  policy: unknown option (did you mean policies?)',
  });
  assert.throws(() => createRuntime({ polices: rules, Clock: undefined, metre: {} } as never), {
    name: 'TypeError',
    message: [
      'invalid Breakwater options:',
      '  polices: unknown option (did you mean policies?)',
      '  metre: unknown option (did you mean meter?)',
    ].join('\n'),
  });
  assert.throws(() => createRuntime({ retries: 3, toString: 1 } as never), {
    name: 'TypeError',
    message: [
      'invalid Breakwater options:',
      '  retries: unknown option (known: policies, clock, meter, captureMessageContent, captureMaxBytes, limits, classifierRules, warn)',
      '  toString: unknown option (known: policies, clock, meter, captureMessageContent, captureMaxBytes, limits, classifierRules, warn)',
    ].join('\n'),
  });
  // The rules themselves, given for the options.
  assert.throws(() => configureBreakwater(rules as never), {
    name: 'TypeError',
    message:
      'invalid Breakwater options:\n  must be an object of options, as in configureBreakwater({ policies }) (got [{"match":"openai/*","policy":{"timeoutMs":5000}}])',
  });
  assert.equal(getRuntime(), before);
});
