import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const CLI = new URL('./cli.ts', import.meta.url).pathname;

function run(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--conditions=@breakwater/source', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

/** The exit code, or `'still running'` (and the process killed) if it has not exited within 5 s. */
function exitWithin(p: ReturnType<typeof run>): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => {
      p.child.kill();
      resolve('still running');
    }, 5_000);
  });
  return Promise.race([p.exit, late]).finally(() => clearTimeout(timer));
}

describe('fault-provider CLI', { timeout: 20_000 }, () => {
  let dir: string | undefined;
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('prints help', async () => {
    const p = run(['--help']);
    assert.equal(await p.exit, 0);
    assert.match(p.output(), /Usage: fault-provider/);
    assert.match(p.output(), /--script <file>/);
  });

  it('starts with a script file, serves requests, and stops on SIGTERM', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fault-provider-'));
    const file = join(dir, 'faults.json');
    await writeFile(
      file,
      JSON.stringify([{ route: 'anthropic.messages', steps: [{ fault: 'error', status: 529, count: 1 }] }]),
    );
    const p = run(['--port', '0', '--script', file]);
    try {
      const deadline = Date.now() + 10_000;
      while (!/listening on (http:\S+)/.test(p.output())) {
        if (Date.now() > deadline) throw new Error(`no start-up line: ${p.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const url = /listening on (http:\S+)/.exec(p.output())![1]!;
      const post = () =>
        fetch(`${url}/v1/messages`, {
          method: 'POST',
          body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
        }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        });
      assert.deepEqual([await post(), await post()], [529, 200]);
      const stats = (await (await fetch(`${url}/_stats`)).json()) as { total: number };
      assert.equal(stats.total, 2);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exit, 0);
  });

  it('refuses an invalid script file with a clear message', async () => {
    dir ??= await mkdtemp(join(tmpdir(), 'fault-provider-'));
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ steps: [{ fault: 'error', status: 999 }] }));
    // A relative path is read from where the user ran `npm run` (npm's INIT_CWD), not the root.
    const p = run(['--port', '0', '--script', 'bad.json'], { ...process.env, INIT_CWD: dir });
    assert.equal(await p.exit, 2);
    assert.match(p.output(), /invalid --script bad\.json: .*steps\[0\]\.status/);
    // Checked before listening: on a taken port it is still the script's usage error (2).
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const onTaken = run(['--port', String((taken.address() as AddressInfo).port), '--script', file]);
      assert.equal(await exitWithin(onTaken), 2);
      assert.match(onTaken.output(), /invalid --script/);
    } finally {
      taken.close();
    }
  });

  it('reports a port that is already taken in one line, without a stack trace', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const p = run(['--port', String(port)]);
      assert.equal(await exitWithin(p), 1);
      assert.match(p.output(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
      assert.doesNotMatch(p.output(), /^\s+at /m);
    } finally {
      taken.close();
    }
  });

  for (const port of ['', '0x1f90', '80.5', '65536']) {
    it(`refuses --port ${JSON.stringify(port)}`, async () => {
      const p = run(['--port', port]);
      assert.equal(await exitWithin(p), 2);
      assert.match(p.output(), /--port must be an integer from 0 to 65535/);
    });
  }

  it('refuses unknown options', async () => {
    const p = run(['--prot', '1']);
    assert.equal(await p.exit, 2);
    assert.match(p.output(), /Unknown option/);
  });
});
