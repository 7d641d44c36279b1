import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';

// The agent as a real process (main.ts) with --inspect-port: the inspection API, and a regression
// test that main.ts's client is instrumented (it used `await import('openai')`, which start()
// cannot patch without the ESM loader hook, so the example ran with openai's own retries and no
// breakers at all).
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
let fp: FaultProvider;
let child: ChildProcess;
let url: string;
let output = '';

before(async () => {
  fp = await startFaultProvider();
  child = spawn(
    process.execPath,
    [
      '--conditions=@breakwater/source',
      MAIN,
      '--provider-url',
      fp.url,
      '--collector-url',
      'http://127.0.0.1:9', // nothing listens: exports fail quietly, calls must not care
      '--instance-id',
      'inspect-1',
      '--requests',
      '0',
      '--fallback',
      '--inspect-port',
      '0',
      '--policy',
      JSON.stringify({ retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 3, minimumCalls: 1 } }),
    ],
    { env: { ...process.env, BREAKWATER_CONTROL: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = /inspect listening on (http:\/\/\S+)/.exec(output);
    if (m !== null) {
      url = m[1]!;
      break;
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`agent did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(async () => {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await once(child, 'exit');
    clearTimeout(timer);
  }
  await fp.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url + path, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
async function get(path: string): Promise<Record<string, unknown>> {
  return (await (await fetch(url + path)).json()) as Record<string, unknown>;
}

it('makes calls through the instrumented client and shows the breaker', async () => {
  const ok = await post('/calls', { model: 'gpt-4o', count: 3, concurrency: 2 });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json.counts, { ok: 3 });
  const state = await get('/state');
  assert.equal(state.instance, 'inspect-1');
  assert.deepEqual((state.breakers as Record<string, unknown>)['openai/gpt-4o'], {
    state: 'closed',
    source: 'local',
  });
});

it('reports failures, the local breaker opening and fallback causes; one request per attempt', async () => {
  fp.script({ route: 'openai.chat', model: 'm-down', steps: [{ fault: 'error', status: 503 }] });
  const res = await post('/calls', { model: 'm-down', count: 5 });
  assert.deepEqual(res.json.outcomes, [
    'fallback:overloaded',
    'fallback:overloaded',
    'fallback:overloaded',
    'fallback:circuit_open:local',
    'fallback:circuit_open:local',
  ]);
  // Instrumented: the client's own retries are off and maxAttempts is 1, so 3 requests, not 15.
  assert.equal(fp.count({ route: 'openai.chat', model: 'm-down' }), 3);
  const state = await get('/state');
  const transitions = (state.transitions as Array<[number, string, string, string]>).filter(
    (t) => t[1] === 'openai/m-down',
  );
  assert.deepEqual(
    transitions.map((t) => t[2]),
    ['closed', 'open'],
  );
  assert.ok(transitions.every((t) => t[3] === 'local' && t[0] > 1_600_000_000_000));
});

it('runs a paced load and returns its events', async () => {
  const started = await post('/load', { model: 'gpt-4o', rate: 50, durationMs: 300 });
  assert.equal(started.status, 200);
  // Until the load is over (its last calls may still be in flight at 300 ms), with a deadline.
  let load = await get('/load?model=gpt-4o');
  for (let i = 0; i < 100 && (load.running !== false || load.inFlight !== 0); i++) {
    await new Promise((r) => setTimeout(r, 50));
    load = await get('/load?model=gpt-4o');
  }
  assert.equal(load.running, false);
  assert.equal(load.inFlight, 0);
  const events = load.events as Array<[number, string]>;
  // Paced, not unbounded: 15 at 50/s for 300 ms, a few fewer if the machine stalls the pacer.
  assert.ok(events.length >= 8 && events.length <= 16, `${events.length} events at 50/s for 300 ms`);
  assert.ok(events.every(([, o]) => o === 'ok'));
  assert.equal((await fetch(`${url}/load?model=nope`)).status, 404);
});

it('refuses bad requests with 400', async () => {
  assert.equal((await post('/calls', { count: 1 })).status, 400);
  assert.equal((await post('/calls', { model: 'x', count: 0 })).status, 400);
  assert.equal((await post('/load', { model: 'x', rate: 5 })).status, 400);
  const res = await fetch(`${url}/calls`, { method: 'POST', body: 'not json' });
  assert.equal(res.status, 400);
  assert.equal((await fetch(`${url}/nope`)).status, 404);
});
