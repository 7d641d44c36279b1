/**
 * What the tests of another runtime (Bun, Deno) check of its apps: the fixture apps in
 * test/bun/fixtures (calls.ts) make the same four calls under each runtime, against the fault
 * provider, exporting to a span receiver in the test's process.
 */
import assert from 'node:assert/strict';
import type { FaultProvider } from '@breakwater/fault-provider';
import type { RunningProcess } from './process.ts';
import { type SpanReceiver, spanAttr } from './span-receiver.ts';

/** What calls.ts answers for its four calls, through Breakwater or not. */
export const ANSWERS = {
  chat: 'You said: hi',
  streamed: 'You said: hi',
  claude: 'You said: hi',
  claudeStreamed: 'You said: hi',
};

/** The warning an uninstrumented client's first request gives. */
export const UNINSTRUMENTED = /BREAKWATER_UNINSTRUMENTED_CLIENT/;

/** The app's results line. */
export function resultsOf(app: RunningProcess): Record<string, string> {
  const line = /^results (.*)$/m.exec(app.output());
  assert.ok(line, app.output());
  return JSON.parse(line[1]!) as Record<string, string>;
}

/** Sends `signal` and waits for the app to end; it must end by that signal, as Node's would. */
export async function endWith(app: RunningProcess, signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
  app.child.kill(signal);
  const code = await app.exited;
  assert.equal(code, null, `${app.name} exited with ${code} instead of ending by ${signal}\n${app.output()}`);
  assert.equal(app.child.signalCode, signal);
}

/** Checks of calls.ts's calls, on the provider and the receiver the test started. */
export class RuntimeAppChecks {
  private readonly fp: FaultProvider;
  private readonly receiver: SpanReceiver;

  constructor(fp: FaultProvider, receiver: SpanReceiver) {
    this.fp = fp;
    this.receiver = receiver;
  }

  /** The first answer of `<prefix>-gpt` is a 503. */
  scriptOne503(prefix: string): void {
    this.fp.script({
      route: 'openai.chat',
      model: `${prefix}-gpt`,
      steps: [{ fault: 'error', status: 503, count: 1 }],
    });
  }

  /** Breakwater's spans of calls to `model`. */
  spansOf(model: string) {
    return this.receiver.spans.filter((s) =>
      String(spanAttr(s, 'breakwater.dependency')).endsWith(`/${model}`),
    );
  }

  /** `model`'s call was one operation span of `attempts` attempts, each a request at the provider. */
  assertOperation(model: string, route: 'openai.chat' | 'anthropic.messages', attempts: number): void {
    const spans = this.spansOf(model);
    const operations = spans.filter((s) => spanAttr(s, 'breakwater.role') === 'operation');
    assert.equal(operations.length, 1, `${model}: operation spans`);
    assert.equal(spanAttr(operations[0]!, 'breakwater.retry.attempts'), attempts, model);
    assert.equal(spanAttr(operations[0]!, 'breakwater.breaker.state'), 'closed', model);
    assert.equal(spanAttr(operations[0]!, 'gen_ai.request.model'), model);
    assert.equal(spans.filter((s) => spanAttr(s, 'breakwater.role') === 'attempt').length, attempts, model);
    assert.equal(this.fp.count({ route, model }), attempts, `${model}: requests at the provider`);
  }

  /** Every call of calls.ts went through Breakwater, the 503 retried by the policy alone. */
  assertAllCallsInstrumented(prefix: string): void {
    this.assertOperation(`${prefix}-gpt`, 'openai.chat', 2);
    this.assertOperation(`${prefix}-gpt-stream`, 'openai.chat', 1);
    this.assertOperation(`${prefix}-claude`, 'anthropic.messages', 1);
    this.assertOperation(`${prefix}-claude-stream`, 'anthropic.messages', 1);
    const failed = this.spansOf(`${prefix}-gpt`).find(
      (s) => spanAttr(s, 'breakwater.error.category') !== undefined,
    );
    assert.equal(failed && spanAttr(failed, 'breakwater.error.category'), 'overloaded');
  }
}
