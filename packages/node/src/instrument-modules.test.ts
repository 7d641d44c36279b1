import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as anthropicModule from '@anthropic-ai/sdk';
import { breakwaterInstrumentations } from '@breakwater/instrumentation';
import OpenAI, * as openaiModule from 'openai';
import { instrumentModules } from './instrument-modules.ts';

// Disabled: no module hooks, so only instrument() patches (as for a bundled client).
const instrumentations = breakwaterInstrumentations({ enabled: false });
const create = () => openaiModule.OpenAI.Chat.Completions.prototype.create;

function logged(run: (log: (message: string) => void) => void): string[] {
  const lines: string[] = [];
  run((message) => lines.push(message));
  return lines;
}

it('a default export or a client instead of the module namespace is logged and patches nothing', () => {
  const before = create();
  const lines = logged((log) =>
    instrumentModules(instrumentations, { openai: OpenAI, anthropic: new anthropicModule.Anthropic() }, log),
  );
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0]!, /^instrument\(\): openai is not the openai module namespace/);
  assert.match(lines[0]!, /import \* as openai from 'openai'/);
  assert.match(lines[1]!, /^instrument\(\): anthropic is not the @anthropic-ai\/sdk module namespace/);
  assert.equal(create(), before, 'nothing patched');
});

it('the module itself instead of { openai } is told how to call it', () => {
  const lines = logged((log) => instrumentModules(instrumentations, openaiModule as never, log));
  assert.deepEqual(lines.length, 1);
  assert.match(lines[0]!, /given no client module: call it as instrument\(\{ openai, anthropic \}\)/);
});

it('the module namespaces are patched, once however often they are given, without a word', () => {
  const before = create();
  const modules = { openai: openaiModule, anthropic: anthropicModule };
  assert.deepEqual(
    logged((log) => instrumentModules(instrumentations, modules, log)),
    [],
  );
  const patched = create();
  assert.notEqual(patched, before);
  instrumentModules(instrumentations, modules, () => {});
  assert.equal(create(), patched, 'a second call patches nothing more');
});

it('after a failed start-up, the modules given are said to stay uninstrumented', () => {
  const lines = logged((log) => instrumentModules(undefined, { openai: openaiModule }, log));
  assert.deepEqual(lines, ['instrument(): start-up failed, so openai stays uninstrumented']);
});
