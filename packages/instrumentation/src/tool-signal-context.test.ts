import assert from 'node:assert/strict';
import { it } from 'node:test';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createRuntime } from './runtime.ts';
import { NO_CONTEXT_MANAGER_WARNING, tool, toolSignal } from './tool.ts';

// No harness here: this file is about the process having, then not having, a context manager.

const warnings: Error[] = [];
process.on('warning', (w) => {
  if ((w as { code?: string }).code === NO_CONTEXT_MANAGER_WARNING) warnings.push(w);
});
const settled = () => new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick

it('with a context manager, toolSignal() gives the attempt its signal, and outside a tool undefined, quietly', async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const runtime = createRuntime();
  const inside = tool('probe', async () => toolSignal(), { runtime });
  assert.ok((await inside()) instanceof AbortSignal);
  assert.equal(toolSignal(), undefined);
  await settled();
  assert.equal(warnings.length, 0);
  context.disable();
});

it('without one, toolSignal() inside a tool says once why it is undefined', async () => {
  const runtime = createRuntime();
  const inside = tool('probe', async () => toolSignal(), { runtime });
  assert.equal(await inside(), undefined);
  assert.equal(await inside(), undefined);
  await settled();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.message, /no OpenTelemetry context manager.*@breakwater\/node start\(\)/);
});
