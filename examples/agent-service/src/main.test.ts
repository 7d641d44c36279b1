import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFaultProvider } from '@breakwater/fault-provider';

// The one-command demo as a user runs it: an in-process fault provider, no collector, the log
// showing each trace's spans, retries and fallbacks.

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Runs the CLI (asynchronously, so servers in this process keep answering it). */
function run(
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env))
    if (key.startsWith('OTEL_') || key.startsWith('BREAKWATER_')) delete env[key];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@breakwater/source', MAIN, ...args],
      { env: { ...env, ...extraEnv }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const ONE_503 = JSON.stringify({ route: 'openai.chat', steps: [{ fault: 'error', status: 503, count: 1 }] });

describe('agent-service CLI', { timeout: 120_000 }, () => {
  it('logs each question as a span tree: the failed attempt, its retry, and the tools', async () => {
    const r = await run(['--requests', '2', '--faults', ONE_503]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /telemetry is not exported/);
    assert.match(r.stdout, /^ {2}invoke_agent support-agent {2}\d+ms$/m);
    assert.match(r.stdout, /^ {4}chat gpt-4o-mini {2}\d+ms {2}2 attempts$/m);
    assert.match(r.stdout, /^ {6}attempt 0 {2}\d+ms {2}ERROR server_error \(overloaded, retryable\)$/m);
    assert.match(r.stdout, /^ {6}attempt 1 {2}\d+ms$/m);
    assert.match(r.stdout, /^ {4}execute_tool get_weather /m);
    assert.match(r.stdout, /^ {4}execute_tool search_docs /m, 'the docs question calls the docs tool');
    assert.match(r.stdout, /^done: 2 ok, 0 by fallback, 0 failed, 2 tool calls$/m);
    // No collector configured: nothing tries to export, so nothing complains.
    assert.doesNotMatch(r.stdout + r.stderr, /\[breakwater\]/);
  });

  it('an outage with --fallback: retries run out and the fallback answers, on the log and in the spans', async () => {
    const r = await run(['--requests', '4', '--faults', 'outage', '--fallback']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^fallback {2}openai\/gpt-4o-mini: serving canned reply \(overloaded\)$/m);
    assert.match(
      r.stdout,
      /^ {4}chat gpt-4o-mini {2}\d+ms {2}3 attempts {2}fallback canned-reply after overloaded$/m,
    );
    assert.match(r.stdout, /→ Busy, try later\./);
    // The first two answers are the model's (two calls each, and the outage starts after 4).
    assert.match(r.stdout, /^done: 2 ok, 2 by fallback, 0 failed, \d+ tool calls$/m);
  });

  it('--no-spans keeps the log to one line per question', async () => {
    const r = await run(['--requests', '1', '--faults', 'none', '--no-spans']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^trace /m);
    assert.match(r.stdout, /^ok {8}\d+ms {2}What is the weather in Lisbon\?/m);
  });

  it('a bad flag or --faults is a one-line error naming what is wrong', async () => {
    const unknown = await run(['--faults', 'sometimes']);
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stderr,
      'agent-service: --faults: expected none, flaky, outage or a JSON fault script\n',
    );
    const refused = await run(['--faults', '{"steps":[{"fault":"error","stauts":503}]}']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^agent-service: --faults: steps\[0\]\.stauts: unknown field/);
    assert.doesNotMatch(refused.stdout, /fault provider on/, 'refused before anything started');
    const flag = await run(['--bogus']);
    assert.equal(flag.code, 1);
    assert.equal(flag.stderr, "agent-service: Unknown option '--bogus'\n");
    // A policy start() would refuse is refused here, before anything starts, naming the flag.
    const policy = await run(['--policy', '{"retry":{"maxAttempts":0}}']);
    assert.equal(policy.code, 1);
    assert.match(
      policy.stderr,
      /^agent-service: --policy: invalid Breakwater policy: \S*retry\.maxAttempts: must be an integer from 1 to 100 \(got 0\)\n$/,
    );
    assert.doesNotMatch(policy.stdout, /fault provider on/);
    const notJson = await run(['--policy', '{bad']);
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /^agent-service: --policy is not JSON: [^\n]+\n$/);
    // Numbers are checked before anything starts, too: Number('abc') would run on as NaN.
    for (const [args, message] of [
      [['--requests', 'abc'], '--requests must be a whole number of at least 0 (got "abc")'],
      [['--requests', '2.5'], '--requests must be a whole number of at least 0 (got "2.5")'],
      [['--rate', 'fast'], '--rate must be a number of calls per second above 0 (got "fast")'],
      [['--inspect-port', '70000'], '--inspect-port must be a port from 0 to 65535 (got "70000")'],
      [['--model='], '--model must name a model (got "")'],
      // Node's own message for a value that starts with a dash spans three lines.
      [
        ['--requests', '-1'],
        "Option '--requests' argument is ambiguous. Did you forget to specify the option argument for '--requests'? To specify an option argument starting with a dash use '--requests=-XYZ'.",
      ],
      // Regression: a URL without its scheme parses as one of the scheme `localhost:`; every call
      // then failed with "Connection error" and the run exited 0.
      [
        ['--provider-url', 'localhost:8081'],
        '--provider-url must be an http:// or https:// URL, such as http://127.0.0.1:8081 (got "localhost:8081")',
      ],
      [
        ['--collector-url', '127.0.0.1:4318'],
        '--collector-url must be an http:// or https:// URL, such as http://127.0.0.1:4318 (got "127.0.0.1:4318")',
      ],
    ] as const) {
      const bad = await run([...args]);
      assert.equal(bad.code, 1, args.join(' '));
      assert.equal(bad.stderr, `agent-service: ${message}\n`);
      assert.doesNotMatch(bad.stdout, /fault provider on/);
    }
  });

  it('--faults on an external provider replaces its scripts; none clears them', async () => {
    const fp = await startFaultProvider();
    try {
      fp.script({ route: 'openai.chat', steps: [{ fault: 'error', status: 503 }] });
      const clean = await run([
        '--provider-url',
        fp.url,
        '--faults',
        'none',
        '--requests',
        '1',
        '--no-spans',
      ]);
      assert.equal(clean.code, 0, clean.stderr);
      assert.deepEqual(fp.faults(), []);
      assert.match(clean.stdout, /^done: 1 ok, 0 by fallback, 0 failed/m);
      const scripted = await run(['--provider-url', fp.url, '--faults', ONE_503, '--requests', '0']);
      assert.equal(scripted.code, 0, scripted.stderr);
      assert.deepEqual(
        fp.faults().map((f) => f.steps),
        [[{ fault: 'error', status: 503, count: 1 }]],
      );
    } finally {
      await fp.close();
    }
  });

  it('a collector known only by BREAKWATER_COLLECTOR_URL still gets the fleet control client', async () => {
    const paths: string[] = [];
    const sink = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
      const r = await run(['--requests', '3', '--faults', 'none', '--no-spans'], {
        BREAKWATER_COLLECTOR_URL: url,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /telemetry is not exported/, 'no OTLP endpoint: nothing exported');
      assert.ok(
        paths.some((p) => p.startsWith('/v1/signals')),
        `the control client subscribed (saw ${paths.join(', ')})`,
      );
    } finally {
      sink.close();
    }
  });

  it('a collector known only by its trace endpoint gets the spans and the fleet control client', async () => {
    const paths: string[] = [];
    const sink = createServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume();
      res
        .writeHead(req.url?.startsWith('/v1/signals') ? 404 : 200, { 'content-type': 'application/json' })
        .end('{}');
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
      const r = await run(['--requests', '3', '--faults', 'none', '--no-spans'], {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/v1/traces`,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(paths.includes('/v1/traces'), `spans exported (saw ${paths.join(', ')})`);
      assert.ok(
        paths.some((p) => p.startsWith('/v1/signals')),
        `the control client subscribed (saw ${paths.join(', ')})`,
      );
    } finally {
      sink.close();
    }
  });
});
