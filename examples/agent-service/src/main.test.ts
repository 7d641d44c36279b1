import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The one-command demo as a user runs it: an in-process fault provider, no collector, the log
// showing each trace's spans, retries and fallbacks.

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_')) delete env[key];
  const r = spawnSync(process.execPath, ['--conditions=@breakwater/source', MAIN, ...args], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ONE_503 = JSON.stringify({ route: 'openai.chat', steps: [{ fault: 'error', status: 503, count: 1 }] });

describe('agent-service CLI', { timeout: 120_000 }, () => {
  it('logs each question as a span tree: the failed attempt, its retry, and the tools', () => {
    const r = run('--requests', '2', '--faults', ONE_503);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /telemetry is not exported/);
    assert.match(r.stdout, /^ {2}invoke_agent support-agent {2}\d+ms$/m);
    assert.match(r.stdout, /^ {4}chat gpt-4o-mini {2}\d+ms {2}2 attempts$/m);
    assert.match(r.stdout, /^ {6}attempt 0 {2}\d+ms {2}ERROR server_error \(overloaded, retryable\)$/m);
    assert.match(r.stdout, /^ {6}attempt 1 {2}\d+ms$/m);
    assert.match(r.stdout, /^ {4}execute_tool get_weather /m);
    assert.match(r.stdout, /^ {4}execute_tool search_docs /m, 'the docs question calls the docs tool');
    assert.match(r.stdout, /^done: 2 ok, 0 failed, 2 tool calls$/m);
    // No collector configured: nothing tries to export, so nothing complains.
    assert.doesNotMatch(r.stdout + r.stderr, /\[breakwater\]/);
  });

  it('an outage with --fallback: retries run out and the fallback answers, on the log and in the spans', () => {
    const r = run('--requests', '4', '--faults', 'outage', '--fallback');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^fallback {2}openai\/gpt-4o-mini: serving canned reply \(overloaded\)$/m);
    assert.match(
      r.stdout,
      /^ {4}chat gpt-4o-mini {2}\d+ms {2}3 attempts {2}fallback canned-reply after overloaded$/m,
    );
    assert.match(r.stdout, /→ Busy, try later\./);
    assert.match(r.stdout, /^done: 4 ok, 0 failed, \d+ tool calls$/m);
  });

  it('--no-spans keeps the log to one line per question', () => {
    const r = run('--requests', '1', '--faults', 'none', '--no-spans');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^trace /m);
    assert.match(r.stdout, /^ok {4}\d+ms {2}What is the weather in Lisbon\?/m);
  });

  it('a bad --faults is a one-line error naming what is wrong', () => {
    const unknown = run('--faults', 'sometimes');
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stderr,
      'agent-service: --faults: expected none, flaky, outage or a JSON fault script\n',
    );
    const refused = run('--faults', '{"steps":[{"fault":"error","stauts":503}]}');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^agent-service: --faults: steps\[0\]\.stauts: unknown field/);
    assert.doesNotMatch(refused.stdout, /fault provider on/, 'refused before anything started');
  });
});
