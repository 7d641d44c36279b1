import assert from 'node:assert/strict';
import { it } from 'node:test';
import { agent } from './agent.ts';
import { tool } from './tool.ts';

/** Throws a TypeError with exactly `message`. */
function refuses(define: () => unknown, message: string): void {
  assert.throws(define, (e: unknown) => e instanceof TypeError && e.message === message);
}

it('tool() refuses a missing name, a function that is not one and misspelt options when defined', () => {
  const fn = async () => 1;
  refuses(
    () => tool(fn as never, undefined as never),
    'tool(): name must be a non-empty string, as in tool(name, fn, options) (got a function)',
  );
  refuses(
    () => tool('  ', fn),
    'tool(): name must be a non-empty string, as in tool(name, fn, options) (got "  ")',
  );
  refuses(
    () => tool(' search ', fn),
    'tool(" search "): name has whitespace around it (did you mean "search"?)',
  );
  refuses(() => tool('x', 5 as never), 'tool("x"): fn must be a function (got 5)');
  refuses(
    () => tool('x', fn, { polcy: { timeoutMs: 1_000 } } as never),
    'tool("x"): unknown option "polcy" (known: callId, description, type, policy, runtime)',
  );
  refuses(
    () => tool('x', fn, { type: 'tool', callId: 'id' } as never),
    'tool("x"): options.type must be one of function, extension, datastore (got "tool"); options.callId must be a function (got "id")',
  );
  refuses(() => tool('x', fn, 'fast' as never), 'tool("x"): options must be an object (got "fast")');
  // Names of Object.prototype members are unknown options too, not checks to run.
  refuses(
    () => tool('x', fn, { toString: 1 } as never),
    'tool("x"): unknown option "toString" (known: callId, description, type, policy, runtime)',
  );
});

it('agent() refuses the same mistakes when defined', () => {
  const fn = async () => 1;
  refuses(
    () => agent(fn as never, undefined as never),
    'agent(): name must be a non-empty string, as in agent(name, fn, options) (got a function)',
  );
  refuses(
    () => agent('planner\n', fn),
    'agent("planner\\n"): name has whitespace around it (did you mean "planner"?)',
  );
  refuses(() => agent('a', 5 as never), 'agent("a"): fn must be a function (got 5)');
  refuses(
    () => agent('a', fn, { provder: 'openai' } as never),
    'agent("a"): unknown option "provder" (known: provider, id, description, version, conversationId)',
  );
  refuses(
    () => agent('a', fn, { provider: 42 } as never),
    'agent("a"): options.provider must be a string (got 42)',
  );
});

it('well-formed definitions, options left undefined included, are taken as before', () => {
  assert.equal(typeof tool('fine', async () => 1, { description: undefined, type: 'datastore' }), 'function');
  assert.equal(
    typeof agent('fine', async () => 1, { provider: 'openai', conversationId: () => 'c' }),
    'function',
  );
});
