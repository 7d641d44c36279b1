// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings test ${ENV} substitution
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderPrometheusRules } from '../act/prometheus-rules.ts';
import { freePort } from '../act/testing/alertmanager-process.ts';
import { defaultConfig } from '../config/load.ts';
import { RULES_SECTIONS } from './commands/rules.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const BIN_DIR = fileURLToPath(new URL('../../bin', import.meta.url));

/** Waits (on the real clock: a child process) until `done()` holds, or `ms` passed. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Where a symbolic link points, or undefined when it is gone. */
function readlinkOr(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, ['--conditions=@breakwater/source', MAIN, ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A `breakwater serve` child on 127.0.0.1:0, ready. */
async function serve(cwd: string, args: string[]) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--conditions=@breakwater/source',
      MAIN,
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--log-level',
      'info',
      ...args,
    ],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready log: ${stderr}`)), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return {
    url,
    /** SIGTERM, then the exit code. */
    async stop(): Promise<number | null> {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    stderr: () => stderr,
    messages: () =>
      stderr
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { msg: string }).msg),
  };
}

describe('breakwater CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--help lists the commands; each command has --help', () => {
    const main = cli(['--help']);
    assert.equal(main.code, 0);
    for (const name of ['serve', 'check-config', 'rules']) {
      assert.match(main.stdout, new RegExp(`\\n  ${name} `));
      const help = cli([name, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, new RegExp(`^Usage: breakwater ${name}`));
    }
    assert.match(cli(['serve', '--help']).stdout, /--alertmanager-url <url>/);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(
      await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
    ) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = cli([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
    }
  });

  it('usage errors exit 2 with a hint', () => {
    const none = cli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: breakwater <command>/);
    const unknown = cli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const flag = cli(['serve', '--nope']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--nope'\nRun "breakwater serve --help" for usage\./);
    const missing = cli(['serve', '--listen']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--listen/);
    const listen = cli(['serve', '--listen', 'nowhere']);
    assert.equal(listen.code, 2);
    assert.match(listen.stderr, /--listen: expected host:port/);
    const stray = cli(['rules', 'extra']);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /unexpected argument "extra"/);
  });

  it('check-config prints ok and a summary, or every problem and exits 2', async () => {
    const good = join(dir, 'good.yaml');
    await writeFile(
      good,
      'listen: 0.0.0.0:4318\nauth:\n  tokens:\n    - { token: "${BW_TOKEN}", scopes: [ingest], name: sdk }\nforward:\n  - url: http://jaeger:4318\n  - url: "https://tempo.example/otlp/?token=${BW_TOKEN}"\n',
    );
    const ok = cli(['check-config', good], { env: { BW_TOKEN: 'a-long-enough-token-value' } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^ok: .*good\.yaml\n/);
    assert.match(ok.stdout, /listen: {3}0\.0\.0\.0:4318/);
    assert.match(ok.stdout, /auth: {5}1 token \(sdk: ingest\)/);
    assert.match(ok.stdout, /forward: {2}http:\/\/jaeger:4318 \(traces\)/);
    // A URL is shown without its query or user info: they often carry a secret.
    assert.match(ok.stdout, /forward: {2}https:\/\/tempo\.example\/otlp \(traces\)/);
    assert.doesNotMatch(ok.stdout, /a-long-enough-token-value/);
    assert.match(ok.stdout, /slos: /);

    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'listen: 1.2.3.4\nlimits:\n  maxInFlightRequests: zero\n');
    const failed = cli(['check-config', '--config', bad]);
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /bad\.yaml:1:9: listen: expected host:port/);
    assert.match(failed.stderr, /bad\.yaml:3:24: limits\.maxInFlightRequests: .*expected number/);

    const missing = cli(['check-config', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: cannot read configuration: file not found/);

    // No file at all (say, `check-config $CONFIG` with the variable unset): not the defaults' "ok".
    const none = cli(['check-config']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /a configuration file is required/);
    assert.equal(none.stdout, '');
  });

  it('check-config lists problems in file order, whichever section the validator checks first', async () => {
    const file = join(dir, 'order.yaml');
    await writeFile(
      file,
      'alertmanager: { url: ftp://am }\nforward: [{ url: ftp://otlp }]\nlisten: nowhere\n',
    );
    const check = cli(['check-config', file]);
    assert.equal(check.code, 2, check.stdout);
    assert.deepEqual(
      check.stderr
        .trimEnd()
        .split('\n')
        .map((line) =>
          line
            .slice(file.length + 1)
            .split(':')
            .slice(0, 2)
            .join(':'),
        ),
      ['1:22', '2:18', '3:9'],
      check.stderr,
    );
  });

  it('check-config shows SLO windows as configured, in days (28d, not 4w)', async () => {
    const file = join(dir, 'windows.yaml');
    await writeFile(
      file,
      'technicalSlos: false\nslos:\n  - { name: a, objective: 99, window: 28d }\n  - { name: b, objective: 99, window: 7d }\n  - { name: c, objective: 99, window: 36h }\n',
    );
    const check = cli(['check-config', file]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /- a \[business, availability\] 99% over 28d\n/);
    assert.match(check.stdout, /- b \[business, availability\] 99% over 7d\n/);
    assert.match(check.stdout, /- c \[business, availability\] 99% over 36h\n/);
  });

  it('check-config accepts levels that page while the SLO is met, with a warning under that SLO', async () => {
    const file = join(dir, 'levels.yaml');
    await writeFile(
      file,
      'technicalSlos: false\nslos:\n  - { name: chat, objective: 99, levels: { severe: 99.2, emergency: 98 } }\n  - { name: ok, objective: 99 }\n',
    );
    const check = cli(['check-config', file]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(
      check.stdout,
      /- chat \[business, availability\] 99% over 30d\n {6}warning: severe level 99\.2% is above the 99% objective: it pages while the SLO is met\n {4}- ok /,
    );
    assert.equal(check.stdout.match(/warning:/g)?.length, 1);
  });

  it('check-config rejects what serve refuses: a public listener without tokens, the same message', async () => {
    const file = join(dir, 'public.yaml');
    await writeFile(file, `listen: 0.0.0.0:0\ndataDir: ${join(dir, 'public-state')}\n`);
    const check = cli(['check-config', file]);
    const serve = cli(['serve', '--config', file]);
    assert.equal(check.code, 2, check.stdout);
    assert.equal(serve.code, 2);
    const expected = /public\.yaml:1:9: listen: refusing to listen on 0\.0\.0\.0:0 without auth/;
    assert.match(check.stderr, expected);
    assert.match(serve.stderr, expected);
  });

  it('check-config names gate.slos / gate.exclude entries that match no SLO', async () => {
    const file = join(dir, 'gate-typo.yaml');
    await writeFile(
      file,
      'gate:\n  slos:\n    availabilty: { required: true }\n  exclude: [breaker-refusal, breaker-refusl]\n',
    );
    const check = cli(['check-config', file]);
    assert.equal(check.code, 2, check.stdout);
    assert.match(
      check.stderr,
      /gate-typo\.yaml:3:18: gate\.slos\.availabilty: unknown SLO "availabilty" \(SLOs: availability, retry-recovery, breaker-refusal\)/,
    );
    assert.match(check.stderr, /gate-typo\.yaml:4:30: gate\.exclude\[1\]: unknown SLO "breaker-refusl"/);
    assert.doesNotMatch(check.stderr, /exclude\[0\]/);
  });

  it('check-config names selector values too long to ever match a (capped) span value', async () => {
    const file = join(dir, 'long-selector.yaml');
    await writeFile(
      file,
      `slos:\n  - name: a\n    objective: 99\n    selector: { service: [checkout, ${'s'.repeat(257)}] }\n`,
    );
    const check = cli(['check-config', file]);
    assert.equal(check.code, 2, check.stdout);
    assert.match(
      check.stderr,
      /long-selector\.yaml:4:37: slos\[0\]\.selector\.service\[1\]: never matches: 257 characters long, but the collector cuts service\.name to 256 characters/,
    );
  });

  it('rules prints YAML', () => {
    const rules = cli(['rules']);
    assert.equal(rules.code, 0, rules.stderr);
    assert.match(rules.stdout, /groups:/);
  });

  it('rules needs no secrets: unset variables outside the SLO keys are fine, inside them an error', async () => {
    const file = join(dir, 'secrets.yaml');
    await writeFile(
      file,
      [
        'listen: 0.0.0.0:4318',
        'auth:',
        '  tokens:',
        '    - { name: agents, token: "${UNSET_TOKEN}", scopes: [ingest] }',
        'forward: [{ url: http://tempo:4318, headers: { authorization: "${UNSET_API_KEY}" } }]',
        'slos: [{ name: chat, objective: 99.9, window: 7d, selector: { service: "${SLO_SERVICE:-chat}" } }]',
        'prometheusRules: { serviceLabel: job }',
      ].join('\n'),
    );
    const withSecrets = cli(['rules', '--config', file], {
      env: { UNSET_TOKEN: 'a-long-enough-token-value', UNSET_API_KEY: 'Bearer key' },
    });
    assert.equal(withSecrets.code, 0, withSecrets.stderr);
    const without = cli(['rules', '--config', file]);
    assert.equal(without.code, 0, without.stderr);
    assert.equal(without.stdout, withSecrets.stdout);
    assert.match(without.stdout, /slo: chat/);

    // serve and check-config still need every variable, with the same message as before.
    const unset =
      `${file}:4:30: auth.tokens[0].token: environment variable UNSET_TOKEN is not set (write \${UNSET_TOKEN:-default} for a fallback)\n` +
      `${file}:5:63: forward[0].headers.authorization: environment variable UNSET_API_KEY is not set (write \${UNSET_API_KEY:-default} for a fallback)\n`;
    const check = cli(['check-config', file]);
    assert.equal(check.code, 2, check.stdout);
    assert.equal(check.stderr, unset);
    const serve = cli(['serve', '--config', file]);
    assert.equal(serve.code, 2);
    assert.equal(serve.stderr, `breakwater: invalid configuration\n${unset}`);

    const inSlos = join(dir, 'unset-in-slos.yaml');
    await writeFile(
      inSlos,
      'slos: [{ name: chat, objective: 99.9, selector: { service: "${UNSET_SERVICE}" } }]\n',
    );
    const failed = cli(['rules', '--config', inSlos]);
    assert.equal(failed.code, 2);
    assert.match(
      failed.stderr,
      /unset-in-slos\.yaml:1:60: slos\[0\]\.selector\.service: environment variable UNSET_SERVICE is not set/,
    );
  });

  it('rules reads only the configuration sections it loads (RULES_SECTIONS)', () => {
    const config = defaultConfig();
    const guarded = new Proxy(config, {
      get(target, key, receiver) {
        assert.ok((RULES_SECTIONS as readonly PropertyKey[]).includes(key), `reads ${String(key)}`);
        return Reflect.get(target, key, receiver);
      },
    });
    assert.equal(renderPrometheusRules(guarded), renderPrometheusRules(config));
  });

  it('serve refuses a public listener without tokens (exit 2)', () => {
    const result = cli(['serve', '--listen', '0.0.0.0:0', '--data-dir', join(dir, 'state')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0:0 without auth/);
  });

  it('serve on a store file it cannot open names the file in one line (exit 1)', async () => {
    const cwd = await mkdtemp(join(dir, 'junk-store-'));
    await writeFile(join(cwd, 'junk.db'), 'not a database, just text\n'.repeat(100));
    await writeFile(join(cwd, 'c.yaml'), 'listen: 127.0.0.1:0\nstore:\n  path: junk.db\n');
    const result = cli(['serve', '--config', 'c.yaml'], { cwd });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^breakwater: cannot open SLO store .*junk\.db: file is not a database\n$/m);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('serve with no config: loopback, ./.breakwater created, JSON logs on stderr, SIGTERM exits 0', async () => {
    const cwd = await mkdtemp(join(dir, 'serve-'));
    const collector = await serve(cwd, []);
    assert.equal((await fetch(`${collector.url}/readyz`)).status, 200);
    assert.ok((await stat(join(cwd, '.breakwater'))).isDirectory());
    assert.equal(await collector.stop(), 0);
    const messages = collector.messages();
    assert.ok(messages.includes('collector ready'));
    assert.ok(messages.includes('collector stopped'));
    for (const line of collector.stderr().trim().split('\n')) {
      assert.ok((line.match(/"component":/g) ?? []).length <= 1, `one component key: ${line}`);
    }
    assert.ok(collector.stderr().includes('"component":"slo"'));
  });

  /** A package laid out in `dir` as a checkout that has not been built: the bin and the sources. */
  async function checkoutWithoutBuild(prefix: string): Promise<string> {
    const pkg = await mkdtemp(join(dir, prefix));
    await cp(BIN_DIR, join(pkg, 'bin'), { recursive: true });
    await writeFile(join(pkg, 'package.json'), '{ "type": "module" }\n');
    await symlink(fileURLToPath(new URL('..', import.meta.url)), join(pkg, 'src'));
    return pkg;
  }

  /**
   * The bin as a checkout without dist/ runs it: from the sources. Laid out in `dir`, as CI
   * builds dist/. Started in a process group of its own, as a terminal starts a command.
   */
  async function serveFromSources(args: string[]) {
    const pkg = await checkoutWithoutBuild('bin-');
    const child = spawn(
      process.execPath,
      [join(pkg, 'bin', 'breakwater.js'), 'serve', '--listen', '127.0.0.1:0', '--log-level', 'info', ...args],
      { cwd: pkg, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    return {
      child,
      exited,
      stderr: () => stderr,
      /** Kills whatever is left of the group. */
      cleanup: () => {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      },
    };
  }

  it('the bin run from the sources serves in its own process: Ctrl-C reaches it once, a graceful stop, exit 0', async () => {
    const collector = await serveFromSources([]);
    try {
      await until(
        () => collector.stderr().includes('collector ready') || collector.child.exitCode !== null,
        20_000,
      );
      assert.ok(collector.stderr().includes('collector ready'), collector.stderr());
      // No child process to pass signals on to: a terminal's Ctrl-C signals the whole group, and a
      // signal passed on as well would be a second one ("exit without waiting").
      const pid = collector.child.pid!;
      assert.equal((await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim(), '');
      process.kill(-pid, 'SIGINT');
      assert.deepEqual(await collector.exited, { code: 0, signal: null }, collector.stderr());
      assert.ok(collector.stderr().includes('collector stopped'), collector.stderr());
    } finally {
      collector.cleanup();
    }
  });

  it('the bin run from the sources ends by the signal that stopped it mid-start, not with exit 0', async () => {
    // Another collector holds the store: this one waits for its lock (5 s), still starting.
    const dataDir = await mkdtemp(join(dir, 'locked-'));
    const holder = await serve(dir, ['--data-dir', dataDir]);
    const collector = await serveFromSources(['--data-dir', dataDir]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(collector.child.exitCode, null, collector.stderr());
      process.kill(collector.child.pid!, 'SIGTERM');
      assert.deepEqual(await collector.exited, { code: null, signal: 'SIGTERM' }, collector.stderr());
    } finally {
      collector.cleanup();
      await holder.stop();
    }
  });

  it("serve as a container's PID 1 still ends at once on a signal before it is ready", async (t) => {
    // The kernel drops a signal PID 1 has no handler for, so Node's default (end by the signal)
    // does nothing there: `docker stop` would wait out its grace period. A new PID namespace
    // (unshare, in an unprivileged user namespace) makes the collector its PID 1.
    if (spawnSync('unshare', ['--user', '--map-root-user', '--pid', '--fork', 'true']).status !== 0) {
      t.skip('unshare cannot make a PID namespace here');
      return;
    }
    const cwd = await mkdtemp(join(dir, 'pid1-'));
    // Its configuration is a FIFO held open here: reading it waits, the collector is still starting.
    const fifo = join(cwd, 'config.yaml');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const writer = openSync(fifo, 'r+');
    const child = spawn(
      'unshare',
      ['--user', '--map-root-user', '--pid', '--fork', '--kill-child', process.execPath].concat([
        '--conditions=@breakwater/source',
        MAIN,
        'serve',
        '--config',
        fifo,
        '--listen',
        '127.0.0.1:0',
      ]),
      { cwd, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      /** The collector (PID 1 in its namespace) once it reads its configuration. */
      const reading = (): number | undefined => {
        try {
          const pid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim());
          return readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkOr(`/proc/${pid}/fd/${fd}`) === fifo)
            ? pid
            : undefined;
        } catch {
          return undefined;
        }
      };
      await until(() => reading() !== undefined, 20_000);
      const pid = reading();
      assert.ok(pid !== undefined, 'the collector reads its configuration');
      process.kill(pid, 'SIGTERM');
      // The read ends (Node's exit waits for it); without the signal, the collector would start.
      await new Promise((resolve) => setTimeout(resolve, 300));
      writeSync(writer, 'logLevel: info\n');
      closeSync(writer);
      const outcome = await Promise.race([
        exited,
        new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 5_000)),
      ]);
      assert.deepEqual(outcome, { code: 143, signal: null });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('the bin on a Node that cannot strip types: one line saying what to do for the sources, the built code still runs', async () => {
    // `--no-experimental-strip-types` makes this Node behave like 22.15–22.17 for `.ts` files.
    const pkg = await checkoutWithoutBuild('no-strip-');
    const run = () =>
      spawnSync(
        process.execPath,
        ['--no-experimental-strip-types', join(pkg, 'bin', 'breakwater.js'), '--version'],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
    const fromSources = run();
    assert.equal(fromSources.status, 1, fromSources.stderr);
    assert.match(
      fromSources.stderr,
      /^breakwater: this checkout has no build, and Node \S+ cannot run its TypeScript sources: run `npm run build` at the repository root, or use Node 22\.18 or later\n$/,
    );
    // With dist/ there, the bin runs it and never looks at the sources.
    await mkdir(join(pkg, 'dist', 'cli'), { recursive: true });
    await writeFile(join(pkg, 'dist', 'cli', 'main.js'), 'process.stdout.write("built code ran\\n");\n');
    const built = run();
    assert.equal(built.status, 0, built.stderr);
    assert.equal(built.stdout, 'built code ran\n');
  });

  it('serve forwarding to a dead endpoint still drains to its deadline and exits 0 on SIGTERM', async () => {
    const cwd = await mkdtemp(join(dir, 'forward-'));
    const dead = await freePort(); // nothing listens there now
    await writeFile(
      join(cwd, 'c.yaml'),
      `shutdownTimeout: 1s\nforward: [{ url: "http://127.0.0.1:${dead}" }]\n`,
    );
    const collector = await serve(cwd, ['--config', 'c.yaml']);
    const res = await fetch(`${collector.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [] }),
    });
    assert.equal(res.status, 200);
    // The forwarder is now backing off against the dead endpoint: its timers are all that is left.
    assert.equal(await collector.stop(), 0);
    assert.ok(collector.messages().includes('collector stopped'), collector.stderr());
  });

  it('gate --wait keeps polling on the real clock until its deadline (HALT for no data: exit 10)', async () => {
    const cwd = await mkdtemp(join(dir, 'gate-'));
    const collector = await serve(cwd, []);
    const started = Date.now();
    const gate = spawn(
      process.execPath,
      [
        '--conditions=@breakwater/source',
        MAIN,
        'gate',
        ...['--url', collector.url, '-s', 'chat', '-v', 'v2', '--wait', '1500ms', '--interval', '300ms'],
      ],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    gate.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    gate.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => gate.on('exit', (c) => resolve(c)));
    const tookMs = Date.now() - started;
    await collector.stop();
    assert.equal(code, 10, out);
    assert.ok(tookMs >= 1_400, `polled until the deadline (${tookMs} ms): ${out}`);
  });

  it('gate whose reader closes the pipe early (`| head -1`) still exits with its decision, no stack trace', async () => {
    const cwd = await mkdtemp(join(dir, 'gate-pipe-'));
    const collector = await serve(cwd, []);
    const gate = spawn(
      process.execPath,
      [
        '--conditions=@breakwater/source',
        MAIN,
        'gate',
        ...['--url', collector.url, '-s', 'chat', '-v', 'v2'],
      ],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // The reader is gone before the answer is printed: every write to stdout fails with EPIPE.
    gate.stdout!.destroy();
    let stderr = '';
    gate.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => gate.on('exit', (c) => resolve(c)));
    await collector.stop();
    assert.equal(code, 10, stderr); // HALT (no data), as with the whole output read
    assert.doesNotMatch(stderr, /EPIPE|at /);
  });
});
