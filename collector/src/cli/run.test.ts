// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings test ${ENV} substitution
/** The CLI run in-process (no child process): what a user sees on stdout, stderr and the exit code. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TOKEN_SCOPES } from '@breakwater/protocol';
import { runCli } from './run.ts';

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
  });
  return { code, stdout, stderr };
}

describe('breakwater CLI, in-process', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-run-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('check-config and serve report an unset variable and the problems of the rest of the file at once', async () => {
    const file = join(dir, 'mask.yaml');
    await writeFile(file, 'alertmanager:\n  url: ${AM_URL}\nevaluation:\n  intervall: 10s\n');
    const expected = [
      `${file}:2:8: alertmanager.url: environment variable AM_URL is not set (write \${AM_URL:-default} for a fallback)`,
      `${file}:4:14: evaluation.intervall: unknown key (did you mean interval?)`,
    ];
    const check = await run(['check-config', file]);
    assert.equal(check.code, 2);
    assert.equal(check.stdout, '');
    assert.deepEqual(check.stderr.trimEnd().split('\n'), expected);
    const serve = await run(['serve', '--config', file]);
    assert.equal(serve.code, 2);
    assert.deepEqual(serve.stderr.trimEnd().split('\n'), ['breakwater: invalid configuration', ...expected]);
  });

  it('serve --listen on a public address without auth names the flag, and every token scope', async () => {
    const serve = await run(['serve', '--listen', '0.0.0.0:4399', '--data-dir', join(dir, 'state')]);
    assert.equal(serve.code, 2);
    assert.equal(
      serve.stderr,
      'breakwater: invalid configuration\n' +
        `--listen: listen: refusing to listen on 0.0.0.0:4399 without auth: the address is reachable from the network. Configure auth.tokens (with ${TOKEN_SCOPES.join('/')} scopes) or listen on 127.0.0.1.\n`,
    );
    assert.match(serve.stderr, /ingest\/subscribe\/admin\/gate scopes/);
  });

  it('check-config sums up the gate and fleet settings', async () => {
    const defaults = join(dir, 'defaults.yaml');
    await writeFile(defaults, '');
    const plain = await run(['check-config', defaults]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(
      plain.stdout,
      /\n {2}gate: {5}window 10m, minEvents 100, reserve 10%; required: any named in slo=\n {2}fleet: {4}on, scope fleet, openThreshold 50%, quorum 2, windows 2s\/10s\/1m\n$/,
    );

    const tuned = join(dir, 'gate-fleet.yaml');
    await writeFile(
      tuned,
      [
        'gate:',
        '  window: 30m',
        '  minEvents: 300',
        '  reserve: 0.25',
        '  exclude: [breaker-refusal]',
        '  slos:',
        '    availability: { required: true }',
        '    retry-recovery: { window: 1h }',
        'fleet:',
        '  quorum: 1',
        '  windows: [{ duration: 5s }, { duration: 2m }]',
        '  perDependency: { "tool/*": { openThreshold: 0.3 } }',
      ].join('\n'),
    );
    const check = await run(['check-config', tuned]);
    assert.equal(check.code, 0, check.stderr);
    assert.deepEqual(check.stdout.trimEnd().split('\n').slice(-2), [
      '  gate:     window 30m, minEvents 300, reserve 25%; required: availability, any named in slo=; excluded: breaker-refusal; own rules: retry-recovery',
      '  fleet:    on, scope fleet, openThreshold 50%, quorum 1, windows 5s/2m; own rules: tool/*',
    ]);

    const off = join(dir, 'all-required.yaml');
    await writeFile(
      off,
      'gate: { required: true, slos: { retry-recovery: { required: false } } }\nfleet: { enabled: false }\n',
    );
    assert.deepEqual((await run(['check-config', off])).stdout.trimEnd().split('\n').slice(-2), [
      '  gate:     window 10m, minEvents 100, reserve 10%; required: all but retry-recovery',
      '  fleet:    off',
    ]);
  });

  it('a misspelt flag, of any command, names the one meant', async () => {
    const cases: [string[], string][] = [
      [['serve', '--listne', '1'], "breakwater serve: Unknown option '--listne' (did you mean --listen?)"],
      [
        ['check-config', '--confg', 'x.yaml'],
        "breakwater check-config: Unknown option '--confg' (did you mean --config?)",
      ],
      [['rules', '--confg', 'x.yaml'], "breakwater rules: Unknown option '--confg' (did you mean --config?)"],
      [['gate', '--servce', 'x'], "breakwater gate: Unknown option '--servce' (did you mean --service?)"],
      [
        ['config-schema', '--markdwn'],
        "breakwater config-schema: Unknown option '--markdwn' (did you mean --markdown?)",
      ],
    ];
    for (const [argv, first] of cases) {
      const result = await run(argv);
      assert.equal(result.code, 2, argv.join(' '));
      assert.equal(result.stderr, `${first}\nRun "breakwater ${argv[0]} --help" for usage.\n`);
    }
  });

  it('a misspelt command names the one meant', async () => {
    const servr = await run(['servr']);
    assert.equal(servr.code, 2);
    assert.match(servr.stderr, /^breakwater: unknown command "servr" \(did you mean serve\?\)\n\nUsage: /);
    assert.match(
      (await run(['chek-config'])).stderr,
      /^breakwater: unknown command "chek-config" \(did you mean check-config\?\)\n/,
    );
    assert.match(
      (await run(['--verison'])).stderr,
      /^breakwater: unknown command "--verison" \(did you mean --version\?\)\n/,
    );
    assert.match((await run(['frobnicate'])).stderr, /^breakwater: unknown command "frobnicate"\n/);
  });
});
