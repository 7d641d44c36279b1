import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';

// Real child processes: an ESM app preloaded with `--import @breakwater/node/register` (or with a
// file of its own that imports @breakwater/node/hook), and a CommonJS app that require()s
// @breakwater/node. Each must export its span to a local receiver.
const bodies: string[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200).end('{}');
  });
});
let fp: FaultProvider;
let endpoint: string;

before(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  fp = await startFaultProvider();
});
after(async () => {
  await fp.close();
  receiver.close();
});

function run(
  args: string[],
  serviceName: string,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  // Keep the parent's loader flags (e.g. --conditions) but not the test runner's own.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, ...args], {
      env: {
        ...process.env,
        FAULT_URL: fp.openaiBaseUrl,
        OTEL_SERVICE_NAME: serviceName,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        BREAKWATER_CONTROL: 'false',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

it('ESM app: --import @breakwater/node/register instruments `import OpenAI from "openai"`', async () => {
  const { code, out } = await run(
    ['--import', '@breakwater/node/register', fixture('esm-app.mjs')],
    'esm-app',
  );
  assert.equal(code, 0, out);
  assert.match(out, /ok chat\.completion/);
  assert.ok(
    bodies.some((b) => b.includes('chat gpt-esm-app') && b.includes('esm-app')),
    'span exported on exit',
  );
});

it('ESM app on @anthropic-ai/vertex-sdk (no import of the SDK main entry): its Claude calls are instrumented', async () => {
  // The receiver answers every request with 200 `{}`, which serves as the Vertex endpoint too.
  const { code, out } = await run(
    ['--import', '@breakwater/node/register', fixture('vertex-app.mjs')],
    'vertex-app',
    {
      VERTEX_URL: `${endpoint}/v1`,
    },
  );
  assert.equal(code, 0, out);
  assert.match(out, /ok vertex/);
  assert.ok(
    bodies.some((b) => b.includes('chat claude-vertex-esm') && b.includes('vertex-app')),
    'span exported on exit',
  );
});

it('ESM app on @anthropic-ai/vertex-sdk under the asynchronous loader hook (older Node 22 and 24): instrumented too', async () => {
  const { code, out } = await run(
    ['--import', fixture('async-hook-register.mjs'), fixture('vertex-app.mjs')],
    'vertex-async-hook-app',
    { VERTEX_URL: `${endpoint}/v1` },
  );
  assert.equal(code, 0, out);
  assert.match(out, /ok vertex/);
  assert.ok(
    bodies.some((b) => b.includes('chat claude-vertex-esm') && b.includes('vertex-async-hook-app')),
    'span exported on exit',
  );
});

it('ESM app on @anthropic-ai/bedrock-sdk: its Claude calls go through the policy, as aws.bedrock', async () => {
  // An overloaded Bedrock endpoint: the policy's 3 attempts reach it, not the client's 1 + 5.
  const requests: string[] = [];
  const bedrock = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"Service unavailable"}');
  });
  await new Promise<void>((resolve) => bedrock.listen(0, '127.0.0.1', resolve));
  try {
    const { code, out } = await run(
      ['--import', '@breakwater/node/register', fixture('bedrock-app.mjs')],
      'bedrock-app',
      { BEDROCK_URL: `http://127.0.0.1:${(bedrock.address() as AddressInfo).port}` },
    );
    assert.equal(code, 0, out);
    assert.match(out, /failed 503/);
    assert.deepEqual(requests, Array(3).fill('POST /model/claude-bedrock-esm/invoke'));
    assert.ok(
      bodies.some(
        (b) =>
          b.includes('chat claude-bedrock-esm') && b.includes('bedrock-app') && b.includes('aws.bedrock'),
      ),
      'span exported on exit, with the platform as provider',
    );
  } finally {
    bedrock.close();
  }
});

it('ESM app: --import of its own file that imports @breakwater/node/hook, then start() with policies', async () => {
  const model = 'gpt-hook-app';
  fp.script({ route: 'openai.chat', model, steps: [{ fault: 'error', status: 503, count: 100 }] });
  const { code, out } = await run(
    ['--import', fixture('hook-instrument.mjs'), fixture('hook-app.mjs')],
    '', // the service name is the one start() is given
  );
  assert.equal(code, 0, out);
  assert.match(out, /failed 503/);
  assert.doesNotMatch(out, /ignored/);
  // The file's policy (2 attempts) on the ESM import: not the default 3, nor the client's 1 + 5.
  assert.equal(fp.count({ route: 'openai.chat', model }), 2);
  assert.ok(
    bodies.some((b) => b.includes(`chat ${model}`) && b.includes('hook-app')),
    'span exported on exit',
  );
});

// The asynchronous loader reads a fixed list: there, as the README says, ESM imports of an alias
// stay uninstrumented, and start() says so (esm-hook-modules.test.ts).
const aliasHook = {
  skip: !supportsSyncHooks() && 'this Node runs the loader hook off-thread (before 22.22.3 or 24.11.1)',
};

it(
  'ESM app importing an npm alias of openai: start({ openaiAliases }) after the hook instruments it',
  aliasHook,
  async () => {
    const model = 'gpt-alias-app';
    fp.script({ route: 'openai.chat', model, steps: [{ fault: 'error', status: 503, count: 100 }] });
    const { code, out } = await run(
      ['--import', fixture('alias-instrument.mjs'), fixture('alias-app.mjs')],
      '',
    );
    assert.equal(code, 0, out);
    assert.match(out, /failed 503/);
    // The policy's 2 attempts: an uninstrumented alias would make the client's own 1 + 5.
    assert.equal(fp.count({ route: 'openai.chat', model }), 2);
    assert.ok(
      bodies.some((b) => b.includes(`chat ${model}`) && b.includes('alias-app')),
      'span exported on exit',
    );
  },
);

it(
  'ESM app importing an npm alias of @anthropic-ai/sdk: start({ anthropicAliases }) after the hook instruments it',
  aliasHook,
  async () => {
    const model = 'claude-alias-app';
    fp.script({ route: 'anthropic.messages', model, steps: [{ fault: 'error', status: 503, count: 100 }] });
    const { code, out } = await run(
      ['--import', fixture('anthropic-alias-instrument.mjs'), fixture('anthropic-alias-app.mjs')],
      '',
      { ANTHROPIC_URL: fp.anthropicBaseUrl },
    );
    assert.equal(code, 0, out);
    assert.match(out, /failed 503/);
    assert.doesNotMatch(out, /anthropicAliases/, 'start() refused the option');
    // The policy's 2 attempts: an uninstrumented alias would make the client's own 1 + 5.
    assert.equal(fp.count({ route: 'anthropic.messages', model }), 2);
    assert.ok(
      bodies.some((b) => b.includes(`chat ${model}`) && b.includes('anthropic-alias-app')),
      'span exported on exit',
    );
  },
);

it('ESM app calling start() without the loader hook: told, once, that its imports are not instrumented', async () => {
  const { code, out } = await run([fixture('no-hook-app.mjs')], 'no-hook-app');
  assert.equal(code, 0, out);
  assert.match(out, /^ok$/m);
  // The client's first request is told too (BREAKWATER_UNINSTRUMENTED_CLIENT): start()'s line is once.
  const told = out.split('\n').filter((line) => line.includes('start() in an ES module app without'));
  assert.equal(told.length, 1, out);
  assert.match(
    told[0]!,
    /its imports of openai are not instrumented.*'@breakwater\/node\/hook'.*node --import \.\/that-file\.mjs no-hook-app\.mjs/,
  );
});

it('ESM app without the loader hook that hands its clients to instrument(): not told they are uninstrumented', async () => {
  const model = 'gpt-instrumented-no-hook';
  fp.script({ route: 'openai.chat', model, steps: [{ fault: 'error', status: 503, count: 100 }] });
  const noHookLine = /start\(\) in an ES module app without the loader hook/;
  const all = await run([fixture('instrumented-no-hook-app.mjs')], '', {
    INSTRUMENT: 'openai,anthropic',
    MODEL: model,
  });
  assert.equal(all.code, 0, all.out);
  // The policy's two attempts: instrument() patched the client.
  assert.match(all.out, /failed 503/);
  assert.equal(fp.count({ route: 'openai.chat', model }), 2);
  assert.doesNotMatch(all.out, noHookLine);
  // A client the entry imports and instrument() was not given is still told.
  const some = await run([fixture('instrumented-no-hook-app.mjs')], '', {
    INSTRUMENT: 'openai',
    MODEL: `${model}-2`,
  });
  assert.equal(some.code, 0, some.out);
  const told = some.out.split('\n').filter((line) => noHookLine.test(line));
  assert.equal(told.length, 1, some.out);
  assert.match(told[0]!, /its imports of @anthropic-ai\/sdk are not instrumented/);
});

it('CommonJS app: require("@breakwater/node") then require("openai")', async () => {
  const { code, out } = await run([fixture('cjs-app.cjs')], 'cjs-app');
  assert.equal(code, 0, out);
  assert.doesNotMatch(out, /loader hook/, 'a CommonJS app needs no hook');
  assert.match(out, /ok chat\.completion/);
  assert.ok(
    bodies.some((b) => b.includes('chat gpt-cjs-app')),
    'span exported on exit',
  );
});

it('OTEL_SDK_DISABLED=true: nothing is exported, yet the policies still run every call', async () => {
  const model = 'gpt-sdk-disabled';
  fp.script({ route: 'openai.chat', model, steps: [{ fault: 'error', status: 503, count: 100 }] });
  const { code, out } = await run(
    ['--import', '@breakwater/node/register', fixture('sdk-disabled-app.mjs')],
    'sdk-disabled-app',
    { OTEL_SDK_DISABLED: 'true' },
  );
  assert.equal(code, 0, out);
  assert.match(out, /failed 503/);
  // Breakwater's default LLM policy (3 attempts), not the client's own 1 + 5 retries.
  assert.equal(fp.count({ route: 'openai.chat', model }), 3);
  assert.ok(!bodies.some((b) => b.includes(model)), 'no span exported');
});

it('--import register, then the app’s own start() with options: told which are ignored and why', async () => {
  const script = [
    "import { start } from '@breakwater/node';",
    "const bw = start({ serviceName: 'support-agent', policies: [{ match: 'tool/*', policy: { timeoutMs: 5000 } }] });",
    "console.log('service', bw.options.serviceName);",
    'await bw.shutdown();',
  ].join('\n');
  const { code, out } = await run(
    ['--import', '@breakwater/node/register', '--input-type=module', '--eval', script],
    '',
  );
  assert.equal(code, 0, out);
  assert.match(out, /service unknown_service:node/);
  assert.ok(
    out.includes(
      '[breakwater] start() options ignored: serviceName, policies (Breakwater was already started by --import @breakwater/node/register, from the environment, and starts once per process): set serviceName through OTEL_SERVICE_NAME; policies has no variable: instead of --import @breakwater/node/register, --import a file of your own that imports @breakwater/node/hook and then calls start() with it',
    ),
    out,
  );
});
