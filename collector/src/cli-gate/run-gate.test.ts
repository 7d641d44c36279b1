import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type GateAnswer,
  GateAnswerSchema,
  type GateDecision,
  type GateHealth,
  ManualClock,
} from '@breakwater/protocol';
import { ALERTMANAGER_HEADERS_ENV } from './options.ts';
import { type GateIo, runGateCommand } from './run-gate.ts';

function answer(decision: GateDecision, over: Partial<GateAnswer> = {}): GateAnswer {
  const noData = decision === 'HALT' && over.reasons === undefined;
  return {
    decision,
    service: 'chat',
    version: 'v2',
    baseline: ['v1'],
    reasons: noData ? [{ code: 'insufficient_data', message: 'too few events', decision: 'HALT' }] : [],
    slos: [
      {
        slo: 'availability',
        // A ROLLBACK judged per operation (the SLO groups by operation), as the default one is.
        ...(decision === 'ROLLBACK' ? { operation: { operation: 'chat' } } : {}),
        objective: 0.995,
        burnRates: { '10m': decision === 'ROLLBACK' ? 10 : 0.1 },
        budgetRemaining: 0.9,
        sample: { good: decision === 'ROLLBACK' ? 950 : 1000, total: 1000 },
        topErrorCategories: decision === 'ROLLBACK' ? [{ category: 'server_error', count: 50 }] : [],
        exampleTraceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
        failingDependency: { dependency: 'openai/gpt-4o', bad: 50, total: 1000 },
        decision,
      },
    ],
    window: '10m',
    evaluatedAt: 1_700_000_000_000,
    ...over,
  };
}

/** A request's JSON body. */
async function jsonBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text);
}

/** Captures output. */
function capture(over: Partial<GateIo> = {}): GateIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
    env: {},
    ...over,
  };
  return io;
}

describe('breakwater gate against a stub collector (real HTTP)', () => {
  let server: Server;
  let url: string;
  const posted: unknown[] = [];
  const seenAuth: (string | undefined)[] = [];
  const seenPaths: string[] = [];
  /** What reached the stub's Alertmanager route (`--alertmanager-url` points at the stub too). */
  const alerts: { headers: IncomingHttpHeaders; body: unknown }[] = [];
  let healthy = true;
  /** The stub's Alertmanager route answers this status to the next posts, one each. */
  const alertFailures: number[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      seenAuth.push(req.headers.authorization);
      seenPaths.push(u.pathname);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (u.pathname === '/v1/gate' && req.method === 'GET') {
        const version = u.searchParams.get('version');
        if (version === 'bad-request') return json(400, { error: { code: 400, message: 'unknown SLO "x"' } });
        // Span data an SDK (any holder of an ingest token) chose, in a ROLLBACK: an operation name
        // and an error message that would start lines and colour the CI log.
        if (version === 'forged') {
          const base = answer('ROLLBACK', { version }).slos[0]!;
          const operation = { operation: 'chat\nPROCEED chat@forged\r\u001b[2K' };
          const reasons = [
            { code: 'fast_burn', message: 'burning \u001b[8mhidden', decision: 'ROLLBACK' },
          ] as const;
          return json(
            200,
            answer('ROLLBACK', { version, reasons: [...reasons], slos: [{ ...base, operation }] }),
          );
        }
        if (version === 'newer') {
          // What a newer collector may add: fields, a reason code and a comparison test this CLI
          // does not know.
          const base = answer('ROLLBACK', { version }).slos[0]!;
          const comparison = {
            canaryErrorRatio: 0.05,
            baselineErrorRatio: 0.001,
            pValue: 0.0001,
            significant: true,
            test: 'sequential',
            confidence: 0.99,
          };
          const reasons = [
            { code: 'error_spike', message: 'errors spiked', decision: 'ROLLBACK', weight: 2 },
          ];
          return json(200, {
            ...answer('ROLLBACK', { version }),
            reasons,
            slos: [{ ...base, comparison, tail: { p99Ms: 900 } }],
            region: 'eu-1',
          });
        }
        if (version === 'forged-error')
          return json(400, { error: { code: 400, message: 'no\nPROCEED \u001b[32mok' } });
        if (version === 'halt-budget') {
          const reasons = [{ code: 'budget_below_reserve', message: 'budget', decision: 'HALT' }] as const;
          return json(200, answer('HALT', { version, reasons: [...reasons] }));
        }
        if (version === 'thin') {
          // Too few events: one optional SLO argues for nothing, a required one for HALT.
          const base = answer('HALT', { version }).slos[0]!;
          const thin = { ...base, sample: { good: 5, total: 5 }, judged: false };
          const slos = [
            { ...thin, slo: 'retry-recovery', decision: 'PROCEED' as const },
            { ...thin, slo: 'availability', decision: 'HALT' as const },
            {
              ...base,
              slo: 'latency',
              sample: { good: 199, total: 200 },
              judged: true,
              decision: 'PROCEED' as const,
            },
          ];
          return json(200, answer('HALT', { version, slos }));
        }
        const decision =
          ({ ok: 'PROCEED', halt: 'HALT', rb: 'ROLLBACK' } as Record<string, GateDecision>)[version ?? ''] ??
          'PROCEED';
        return json(200, answer(decision, { version: version ?? '' }));
      }
      if (u.pathname === '/v1/gate/health') {
        const body: GateHealth = {
          service: 'chat',
          excluded: [],
          window: '5m',
          healthy,
          slos: [],
          evaluatedAt: 0,
        };
        return json(200, body);
      }
      if (u.pathname === '/v1/gate/rollbacks' && req.method === 'POST') {
        void jsonBody(req).then((body) => {
          posted.push(body);
          json(202, { accepted: true });
        });
        return;
      }
      if (u.pathname === '/api/v2/alerts' && req.method === 'POST') {
        void jsonBody(req).then((body) => {
          alerts.push({ headers: req.headers, body });
          const status = alertFailures.shift();
          json(status ?? 200, status === undefined ? {} : { error: 'not now' });
        });
        return;
      }
      json(404, { error: { code: 404, message: 'no route' } });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('maps decisions to exit codes 0 / 10 / 20 and sends the token', async () => {
    for (const [version, code] of [
      ['ok', 0],
      ['halt', 10],
      ['rb', 20],
    ] as const) {
      const io = capture({ env: { BREAKWATER_GATE_TOKEN: 'from-env' } });
      assert.equal(
        await runGateCommand(['--service', 'chat', '--version', version, '--url', url], io),
        code,
        io.err,
      );
      assert.match(
        io.out,
        new RegExp(`^${['PROCEED', 'HALT', 'ROLLBACK'][[0, 10, 20].indexOf(code)]} chat@${version}`),
      );
    }
    assert.equal(seenAuth.at(-1), 'Bearer from-env');
  });

  it("a newer collector's answer (unknown fields, reason code, comparison test) still decides the exit code", async () => {
    const io = capture();
    assert.equal(
      await runGateCommand(['--service', 'chat', '--version', 'newer', '--url', url], io),
      20,
      io.err,
    );
    assert.match(io.out, /^ROLLBACK chat@newer/);
    assert.match(io.out, /! error_spike: errors spiked/);
  });

  it('an empty token (an unset CI secret) is no token: no Authorization header', async () => {
    for (const [args, env] of [
      [[], { BREAKWATER_GATE_TOKEN: '' }],
      [['--token', ' '], {}],
    ] as const) {
      const io = capture({ env });
      await runGateCommand(['--service', 'chat', '--version', 'ok', '--url', url, ...args], io);
      assert.equal(seenAuth.at(-1), undefined, JSON.stringify(args));
    }
  });

  it('says "not judged" for an SLO with too few events, rather than PROCEED', async () => {
    const io = capture();
    await runGateCommand(['--service', 'chat', '--version', 'thin', '--url', url], io);
    const lines = io.out.split('\n');
    assert.ok(lines.includes('  retry-recovery: not judged, 0/5 bad, budget left 90.0%'), io.out);
    assert.ok(lines.includes('  availability: HALT, not judged, 0/5 bad, budget left 90.0%'), io.out);
    assert.ok(lines.includes('  latency: PROCEED, 1/200 bad, budget left 90.0%'), io.out);
  });

  it('names the operation an SLO judged per operation was decided on', async () => {
    const io = capture();
    assert.equal(await runGateCommand(['--service', 'chat', '--version', 'rb', '--url', url], io), 20);
    const lines = io.out.split('\n');
    assert.ok(
      lines.includes('  availability [operation=chat]: ROLLBACK, 50/1000 bad, budget left 90.0%'),
      io.out,
    );
  });

  it('prints control characters from the collector escaped: no line, colour or erase of its own in the CI log', async () => {
    const io = capture();
    assert.equal(await runGateCommand(['--service', 'chat', '--version', 'forged', '--url', url], io), 20);
    const err = capture();
    assert.equal(
      await runGateCommand(['--service', 'chat', '--version', 'forged-error', '--url', url], err),
      2,
    );
    for (const text of [io.out, io.err, err.out, err.err]) {
      assert.ok(!text.includes('\u001b') && !text.includes('\r'), text);
      assert.doesNotMatch(text, /^PROCEED/m, text);
    }
    assert.ok(io.out.includes('burning \\u001b[8mhidden'), io.out);
    assert.ok(io.out.includes('[operation=chat\\nPROCEED chat@forged\\r\\u001b[2K]: ROLLBACK'), io.out);
    assert.match(err.err, /HTTP 400: no\\nPROCEED \\u001b\[32mok/);
  });

  it('--json prints a schema-valid answer on stdout only', async () => {
    const io = capture();
    assert.equal(
      await runGateCommand(['-s', 'chat', '-v', 'rb', '--url', url, '--json', '--token', 't'], io),
      20,
    );
    const parsed = GateAnswerSchema.parse(JSON.parse(io.out));
    assert.equal(parsed.decision, 'ROLLBACK');
    assert.equal(seenAuth.at(-1), 'Bearer t');
  });

  it('exit 2 for usage errors, a 4xx answer and an unreachable collector', async () => {
    const usage = capture();
    assert.equal(await runGateCommand(['--service', 'chat'], usage), 2);
    assert.match(usage.err, /--version is required/);
    // `--version "$NEW"` with NEW unset: the flag is there, its value is not.
    const empty = capture();
    assert.equal(await runGateCommand(['--service', 'chat', '--version', ''], empty), 2);
    assert.match(empty.err, /--version is empty \(is the variable that gives it set\?\)/);
    assert.equal(await runGateCommand(['-s', 'chat', '-v', 'x', '--wait', 'soon'], capture()), 2);
    assert.equal(await runGateCommand(['-s', 'chat', '-v', 'x', '--bogus'], capture()), 2);
    // A poll interval is one timer: beyond ~24.8 days Node.js would fire it at once (busy polling).
    const long = capture();
    assert.equal(
      await runGateCommand(['-s', 'chat', '-v', 'x', '--wait', '60d', '--interval', '30d'], long),
      2,
    );
    assert.match(long.err, /--interval: must be at most 24d/);
    // fetch refuses credentials in a URL on every request; the password is not echoed.
    const credentials = capture();
    assert.equal(
      await runGateCommand(
        ['-s', 'chat', '-v', 'x', '--alertmanager-url', 'http://u:s3cret@am:9093'],
        credentials,
      ),
      2,
    );
    assert.match(credentials.err, /--alertmanager-url: fetch refuses a URL with credentials/);
    assert.doesNotMatch(credentials.err, /s3cret/);
    const bad = capture();
    assert.equal(await runGateCommand(['-s', 'chat', '-v', 'bad-request', '--url', url], bad), 2);
    assert.match(bad.err, /HTTP 400: unknown SLO "x"/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = capture();
    assert.equal(
      await runGateCommand(['-s', 'chat', '-v', 'ok', '--url', `http://127.0.0.1:${port}`], down),
      2,
    );
    assert.match(down.err, /cannot reach/);
    const help = capture();
    assert.equal(await runGateCommand(['--help'], help), 0);
    assert.match(help.out, /--on-rollback/);
    assert.match(help.out, /--alertmanager-header <h>/);
    assert.ok(help.out.includes(`$${ALERTMANAGER_HEADERS_ENV}`), help.out);
  });

  it('sends $BREAKWATER_ALERTMANAGER_HEADERS and --alertmanager-header with the incident alert', async () => {
    const env = {
      // Percent-decoded, trimmed, stray commas skipped, as OTEL_EXPORTER_OTLP_HEADERS.
      [ALERTMANAGER_HEADERS_ENV]: 'Authorization=Bearer%20from-env, X-Scope-OrgID = team%2Ca ,,x-dropped=1',
    };
    const post = async (headerFlags: string[]) => {
      alerts.length = 0;
      const io = capture({ env });
      const args = ['-s', 'chat', '-v', 'rb', '--url', url, '--alertmanager-url', url, ...headerFlags];
      assert.equal(await runGateCommand(args, io), 20, io.err);
      assert.equal(alerts.length, 1, io.err);
      assert.equal(io.err, '', 'delivered without a warning');
      return alerts[0]!;
    };
    const fromEnv = await post([]);
    assert.equal(fromEnv.headers.authorization, 'Bearer from-env');
    assert.equal(fromEnv.headers['x-scope-orgid'], 'team,a');
    assert.equal(fromEnv.headers['x-dropped'], '1');
    assert.equal(fromEnv.headers['content-type'], 'application/json');
    assert.equal((fromEnv.body as { labels: { decision: string } }[])[0]!.labels.decision, 'ROLLBACK');

    // A flag wins over the variable for its name in any case; "Name:" sends none; values as written.
    const flags = await post([
      '--alertmanager-header',
      'authorization: Bearer from-flag',
      '--alertmanager-header',
      'X-Extra:  two%20words ',
      '--alertmanager-header',
      'X-DROPPED:',
    ]);
    assert.equal(flags.headers.authorization, 'Bearer from-flag');
    assert.equal(flags.headers['x-scope-orgid'], 'team,a');
    assert.equal(flags.headers['x-extra'], 'two%20words');
    assert.equal(flags.headers['x-dropped'], undefined);
  });

  it('carries --alertmanager-label on the incident alert, as the collector carries alertmanager.labels', async () => {
    alerts.length = 0;
    const io = capture();
    const args = ['-s', 'chat', '-v', 'rb', '--url', url, '--alertmanager-url', url];
    const labels = ['--alertmanager-label', 'team=payments', '--alertmanager-label', 'cluster=eu-1'];
    assert.equal(await runGateCommand([...args, ...labels], io), 20, io.err);
    const [alert] = alerts[0]!.body as { labels: Record<string, string> }[];
    assert.deepEqual(alert!.labels, {
      team: 'payments',
      cluster: 'eu-1',
      alertname: 'BreakwaterDeploymentGate',
      service: 'chat',
      version: 'rb',
      decision: 'ROLLBACK',
      severity: 'page',
    });
    const help = capture();
    await runGateCommand(['--help'], help);
    assert.match(help.out, /--alertmanager-label <l>/);
  });

  it('posts the incident again when Alertmanager fails (a restart), not when it refuses it', async () => {
    alerts.length = 0;
    alertFailures.push(503);
    const io = capture();
    const args = ['-s', 'chat', '-v', 'rb', '--url', url, '--alertmanager-url', url];
    assert.equal(await runGateCommand(args, io), 20, io.err);
    assert.equal(alerts.length, 2, 'posted again after the 503');
    assert.match(io.err, /could not post the incident to Alertmanager \(HTTP 503.*\); trying again in 1 s/);
    assert.doesNotMatch(io.err, /retryInMs|could not post the incident to Alertmanager: /);

    alerts.length = 0;
    alertFailures.push(400);
    const refused = capture();
    assert.equal(await runGateCommand(args, refused), 20, refused.err);
    assert.equal(alerts.length, 1, 'a refusal would be refused again');
    assert.match(refused.err, /could not post the incident to Alertmanager: HTTP 400/);
  });

  it("posts the collector's incident annotations: reasons, baseline and budget beside the summary", async () => {
    alerts.length = 0;
    const io = capture();
    const args = ['-s', 'chat', '-v', 'halt-budget', '--url', url, '--alertmanager-url', url];
    assert.equal(await runGateCommand(args, io), 10, io.err);
    const [alert] = alerts[0]!.body as { annotations: Record<string, string> }[];
    assert.deepEqual(
      [alert!.annotations.description, alert!.annotations.baseline, alert!.annotations.budget_remaining],
      ['budget_below_reserve: budget', 'v1', 'availability=90.00%'],
    );
  });

  it('refuses malformed headers naming the flag or variable, never quoting a value, and posts nothing', async () => {
    const flag = (...values: string[]) => values.flatMap((v) => ['--alertmanager-header', v]);
    const variable = (text: string) => ({ [ALERTMANAGER_HEADERS_ENV]: text });
    const cases: [string[], Record<string, string>, RegExp][] = [
      [flag('Bearer s3cret'), {}, /--alertmanager-header is not "Name: value" \(it has no ":"\)/],
      [flag('x-a: 1', ': s3cret'), {}, /--alertmanager-header #2 has no header name before its ":"/],
      [flag('X Api Key: s3cret'), {}, /--alertmanager-header "X Api Key": not a valid HTTP header name/],
      [
        flag('content-length: 5'),
        {},
        /--alertmanager-header "content-length": fetch sets this header itself/,
      ],
      [
        flag('authorization: Bearer s3cret\r\nx-evil: 1'),
        {},
        /--alertmanager-header "authorization": not a valid HTTP header value/,
      ],
      [[], variable('Bearer s3cret'), /BREAKWATER_ALERTMANAGER_HEADERS: entry 1 of 1 is not name=value/],
      [[], variable('x-a=1,=s3cret'), /BREAKWATER_ALERTMANAGER_HEADERS: entry 2 of 2 has no header name/],
      [
        [],
        variable('x-key=s3cret%zz'),
        /BREAKWATER_ALERTMANAGER_HEADERS: entry 1 of 1 is not valid percent-encoding/,
      ],
      [[], variable('x-key=s3cret;ttl=1'), /BREAKWATER_ALERTMANAGER_HEADERS: entry 1 of 1 has a ";"/],
      [
        [],
        variable('x-key=s3cret%0Ax-evil:%201'),
        /BREAKWATER_ALERTMANAGER_HEADERS "x-key": not a valid HTTP header value/,
      ],
      // A bad variable is refused even where a flag would override it: it holds a mistake.
      [flag('x-key: ok'), variable('x-key=s3cret%0Dx'), /BREAKWATER_ALERTMANAGER_HEADERS "x-key"/],
    ];
    for (const [args, env, message] of cases) {
      seenPaths.length = 0;
      const io = capture({ env });
      const code = await runGateCommand(
        ['-s', 'chat', '-v', 'rb', '--url', url, '--alertmanager-url', url, ...args],
        io,
      );
      const where = `${JSON.stringify(args)} ${JSON.stringify(env)}`;
      assert.equal(code, 2, where);
      assert.match(io.err, message, where);
      assert.match(io.err, /^breakwater gate: .*\nRun "breakwater gate --help" for usage\.\n$/, where);
      assert.doesNotMatch(io.err, /s3cret/, where);
      assert.deepEqual(seenPaths, [], `${where}: nothing asked, nothing posted`);
    }

    const alone = capture();
    assert.equal(await runGateCommand(['-s', 'chat', '-v', 'rb', ...flag('x-key: s3cret')], alone), 2);
    assert.match(alone.err, /--alertmanager-header needs --alertmanager-url/);
    assert.doesNotMatch(alone.err, /s3cret/);
  });

  it('leaves $BREAKWATER_ALERTMANAGER_HEADERS alone without --alertmanager-url', async () => {
    // The variable may be set for a whole CI job, also around gate calls that post nothing.
    alerts.length = 0;
    const io = capture({ env: { [ALERTMANAGER_HEADERS_ENV]: 'not a header list' } });
    assert.equal(await runGateCommand(['-s', 'chat', '-v', 'rb', '--url', url], io), 20, io.err);
    assert.equal(io.err, '');
    assert.deepEqual(alerts, []);
  });

  it('--on-rollback runs the command exactly once, reports latency and recovery, writes the incident report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gate-cli-'));
    try {
      const marker = join(dir, 'rollbacks.log');
      const reports = join(dir, 'reports');
      posted.length = 0;
      healthy = true;
      const io = capture();
      const code = await runGateCommand(
        [
          '-s',
          'chat',
          '-v',
          'rb',
          '--url',
          url,
          '--json',
          '--on-rollback',
          `echo "$BREAKWATER_GATE_VERSION" >> '${marker}'`,
          '--recovery-timeout',
          '5s',
          '--interval',
          '100ms',
          '--report-dir',
          reports,
          '--trace-url-template',
          'http://jaeger:16686/trace/{traceId}',
        ],
        io,
      );
      assert.equal(code, 20, io.err);
      assert.equal(await readFile(marker, 'utf8'), 'rb\n', 'ran once, with the version in its environment');
      const out = JSON.parse(io.out) as {
        rollback: { exitCode: number; latencyMs: number };
        recovery: { recovered: boolean };
        report: { markdown: string; json: string };
      };
      assert.equal(out.rollback.exitCode, 0);
      assert.ok(out.rollback.latencyMs >= 0 && out.rollback.latencyMs < 5_000);
      assert.equal(out.recovery.recovered, true);
      assert.deepEqual(
        posted.map((p) => (p as { kind: string }).kind),
        ['rollback', 'recovery'],
      );
      const md = await readFile(out.report.markdown, 'utf8');
      assert.match(md, /# ROLLBACK: chat rb/);
      assert.match(
        md,
        /\[4bf92f3577b34da6a3ce929d0e0e4736\]\(http:\/\/jaeger:16686\/trace\/4bf92f3577b34da6a3ce929d0e0e4736\)/,
      );
      assert.match(
        md,
        /Failing dependency: `openai\/gpt-4o` \(50 of 1000 calls bad, SLO availability \[operation=chat\]\)/,
      );
      assert.match(md, /\n\| availability \[operation=chat\] \| 99\.5% \| ROLLBACK \| 1000 \(50\) \|/);
      assert.match(md, /`server_error`: 50/);
      const json = JSON.parse(await readFile(out.report.json, 'utf8')) as {
        kind: string;
        rollback: { command: string };
      };
      assert.equal(json.kind, 'breakwater.gate.incident');
      assert.match(json.rollback.command, /echo/);
      assert.equal((await readdir(reports)).length, 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a HALT only for missing data is no incident: no report, no alert', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gate-cli-'));
    try {
      seenPaths.length = 0;
      const io = capture();
      const reports = join(dir, 'reports');
      const args = [
        '-s',
        'chat',
        '-v',
        'halt',
        '--url',
        url,
        '--report-dir',
        reports,
        '--alertmanager-url',
        url,
      ];
      assert.equal(await runGateCommand(args, io), 10, io.err);
      assert.deepEqual(await readdir(dir), [], 'no report written');
      assert.deepEqual(seenPaths, ['/v1/gate'], 'nothing posted to Alertmanager');
      // A HALT on the budget is one.
      const budget = capture();
      assert.equal(
        await runGateCommand(
          ['-s', 'chat', '-v', 'halt-budget', '--url', url, '--report-dir', reports],
          budget,
        ),
        10,
      );
      assert.equal((await readdir(reports)).length, 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the decision exit code when the incident report cannot be written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gate-cli-'));
    try {
      // A regular file where the report directory should be: mkdir fails with ENOTDIR.
      const blocker = join(dir, 'afile');
      await writeFile(blocker, 'x');
      for (const [version, code] of [
        ['rb', 20],
        ['halt-budget', 10],
      ] as const) {
        const io = capture();
        assert.equal(
          await runGateCommand(
            ['-s', 'chat', '-v', version, '--url', url, '--json', '--report-dir', join(blocker, 'reports')],
            io,
          ),
          code,
          io.err,
        );
        assert.match(io.err, /could not write the incident report to .*afile\/reports: ENOTDIR/);
        const out = JSON.parse(io.out) as { decision: string; report?: unknown };
        assert.equal(out.report, undefined, 'no report paths for files that do not exist');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('breakwater gate polling on a fake clock', () => {
  /** A fetch that answers from a script of decisions (the last repeats) and counts calls. */
  function scripted(
    decisions: (GateDecision | 'HALT-budget' | 'HALT-newer-wait')[],
    health: boolean[] = [true],
  ) {
    const calls: string[] = [];
    const healthQueries: string[] = [];
    const reported: string[] = [];
    let healthCalls = 0;
    const fake = (async (input: string | URL | Request, init?: RequestInit) => {
      const u = new URL(String(input));
      calls.push(u.pathname);
      if (u.pathname === '/v1/gate/health') {
        healthQueries.push(u.search);
        const h = health[Math.min(healthCalls++, health.length - 1)]!;
        return Response.json({
          service: 'chat',
          excluded: [],
          window: '5m',
          healthy: h,
          slos: [],
          evaluatedAt: 0,
        });
      }
      if (u.pathname === '/v1/gate/rollbacks') {
        reported.push((JSON.parse(String(init?.body)) as { kind: string }).kind);
        return Response.json({ accepted: true }, { status: 202 });
      }
      const gateCalls = calls.filter((c) => c === '/v1/gate').length;
      const d = decisions[Math.min(gateCalls - 1, decisions.length - 1)]!;
      if (d === 'HALT-newer-wait') {
        // A newer collector's HALT for a reason code this CLI does not know, that says it only
        // waits for data.
        const reasons = [{ code: 'canary_warming_up', message: 'warming up', decision: 'HALT' as const }];
        return Response.json({ ...answer('HALT', { reasons }), waitingForData: true });
      }
      return Response.json(
        d === 'HALT-budget'
          ? answer('HALT', {
              reasons: [{ code: 'budget_below_reserve', message: 'budget', decision: 'HALT' }],
            })
          : answer(d),
      );
    }) as typeof fetch;
    return {
      fetch: fake,
      gateCalls: () => calls.filter((c) => c === '/v1/gate').length,
      calls,
      healthQueries,
      reported,
    };
  }

  async function drive(clock: ManualClock, run: Promise<number>, stepMs: number): Promise<number> {
    let result: number | undefined;
    void run.then((r) => {
      result = r;
    });
    for (let i = 0; i < 1000 && result === undefined; i++) await clock.advance(stepMs);
    return run;
  }

  it('--wait polls through HALT-for-no-data until a real decision', async () => {
    const clock = new ManualClock();
    const s = scripted(['HALT', 'HALT', 'PROCEED']);
    const start = clock.now();
    const code = await drive(
      clock,
      runGateCommand(
        ['-s', 'chat', '-v', 'v2', '--wait', '10m', '--interval', '30s'],
        capture({ clock, fetch: s.fetch }),
      ),
      1_000,
    );
    assert.equal(code, 0);
    assert.equal(s.gateCalls(), 3);
    assert.equal(clock.now() - start >= 60_000, true);
  });

  it("--wait polls through a newer collector's HALT that waits for data under a code this CLI does not know", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gate-cli-'));
    try {
      const clock = new ManualClock();
      const s = scripted(['HALT-newer-wait']);
      const io = capture({ clock, fetch: s.fetch });
      const reports = join(dir, 'reports');
      const code = await drive(
        clock,
        runGateCommand(
          ['-s', 'chat', '-v', 'v2', '--wait', '1m', '--interval', '30s', '--report-dir', reports],
          io,
        ),
        5_000,
      );
      assert.equal(code, 10, 'still HALT at the deadline');
      assert.equal(s.gateCalls(), 3, 'at 0 s, 30 s and 60 s');
      assert.match(io.err, /gate: HALT \(waiting for traffic\)/);
      assert.deepEqual(await readdir(dir), [], 'no incident report for a wait for traffic');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--wait stops at once on a HALT that is not about missing data', async () => {
    const clock = new ManualClock();
    const s = scripted(['HALT-budget', 'PROCEED']);
    const code = await drive(
      clock,
      runGateCommand(['-s', 'chat', '-v', 'v2', '--wait', '10m'], capture({ clock, fetch: s.fetch })),
      1_000,
    );
    assert.equal(code, 10);
    assert.equal(s.gateCalls(), 1);
  });

  it('--wait gives up at the deadline with HALT', async () => {
    const clock = new ManualClock();
    const s = scripted(['HALT']);
    const code = await drive(
      clock,
      runGateCommand(
        ['-s', 'chat', '-v', 'v2', '--wait', '1m', '--interval', '30s'],
        capture({ clock, fetch: s.fetch }),
      ),
      5_000,
    );
    assert.equal(code, 10);
    assert.equal(s.gateCalls(), 3, 'at 0 s, 30 s and 60 s');
  });

  it('--wait retries a failed poll at the deadline when less than an interval is left', async () => {
    const clock = new ManualClock();
    const s = scripted(['PROCEED']);
    let failures = 1;
    const flaky = (async (input: string | URL | Request, init?: RequestInit) => {
      if (failures-- > 0) throw new TypeError('fetch failed');
      return s.fetch(input, init);
    }) as typeof fetch;
    const io = capture({ clock, fetch: flaky });
    const start = clock.now();
    const code = await drive(
      clock,
      runGateCommand(['-s', 'chat', '-v', 'v2', '--wait', '10s', '--interval', '30s'], io),
      1_000,
    );
    assert.equal(code, 0, io.err);
    assert.match(io.err, /retrying/);
    assert.equal(clock.now() - start, 10_000, 'the retry came at the deadline');
    // Failing to the end: the error, exit 2, after the retry at the deadline.
    failures = 2;
    const down = capture({ clock, fetch: flaky });
    assert.equal(
      await drive(
        clock,
        runGateCommand(['-s', 'chat', '-v', 'v2', '--wait', '10s', '--interval', '30s'], down),
        1_000,
      ),
      2,
    );
    assert.equal(failures, 0, 'asked twice');
  });

  it('--watch keeps polling through PROCEED and stops early on ROLLBACK', async () => {
    const clock = new ManualClock();
    const s = scripted(['PROCEED', 'PROCEED', 'ROLLBACK', 'PROCEED']);
    const code = await drive(
      clock,
      runGateCommand(
        ['-s', 'chat', '-v', 'v2', '--watch', '5m', '--interval', '15s'],
        capture({ clock, fetch: s.fetch }),
      ),
      1_000,
    );
    assert.equal(code, 20);
    assert.equal(s.gateCalls(), 3);
    const healthy = scripted(['PROCEED']);
    const ok = await drive(
      clock,
      runGateCommand(
        ['-s', 'chat', '-v', 'v2', '--watch', '1m', '--interval', '15s'],
        capture({ clock, fetch: healthy.fetch }),
      ),
      5_000,
    );
    assert.equal(ok, 0);
    assert.equal(healthy.gateCalls(), 5, '0, 15, 30, 45, 60 s');
  });

  it('--watch does not pass on an early PROCEED when the gate could not be asked at its end', async () => {
    const clock = new ManualClock();
    const s = scripted(['PROCEED']);
    // The collector answers once, then is gone for the rest of the watch.
    let answered = 0;
    const goneAfterOne = (async (input: string | URL | Request, init?: RequestInit) => {
      if (answered++ > 0) throw new TypeError('fetch failed');
      return s.fetch(input, init);
    }) as typeof fetch;
    const io = capture({ clock, fetch: goneAfterOne });
    const code = await drive(
      clock,
      runGateCommand(['-s', 'chat', '-v', 'v2', '--watch', '5m', '--interval', '15s'], io),
      5_000,
    );
    assert.equal(code, 2, io.out);
    assert.match(io.err, /at the end of --watch; the last answer \(PROCEED\) came 300 s before/);
    // A failed poll that a later answer follows still counts for nothing.
    let failures = 1;
    const blip = (async (input: string | URL | Request, init?: RequestInit) => {
      if (failures-- > 0) throw new TypeError('fetch failed');
      return s.fetch(input, init);
    }) as typeof fetch;
    const recovered = await drive(
      clock,
      runGateCommand(
        ['-s', 'chat', '-v', 'v2', '--watch', '1m', '--interval', '15s'],
        capture({ clock, fetch: blip }),
      ),
      5_000,
    );
    assert.equal(recovered, 0);
  });

  it('rollback latency runs from detection to the command finishing; recovery waits for green', async () => {
    const clock = new ManualClock();
    const s = scripted(['ROLLBACK'], [false, false, true]);
    let runs = 0;
    const io = capture({
      clock,
      fetch: s.fetch,
      async run() {
        runs++;
        await clock.advance(4_000);
        return 0;
      },
    });
    const code = await drive(
      clock,
      runGateCommand(
        [
          '-s',
          'chat',
          '-v',
          'v2',
          '--json',
          '--on-rollback',
          'deploy undo',
          '--interval',
          '30s',
          '--recovery-timeout',
          '10m',
        ],
        io,
      ),
      1_000,
    );
    assert.equal(code, 20);
    assert.equal(runs, 1);
    const out = JSON.parse(io.out) as {
      rollback: { latencyMs: number };
      recovery: { recovered: boolean; recoveryMs: number };
    };
    assert.equal(out.rollback.latencyMs, 4_000);
    assert.deepEqual(out.recovery, { recovered: true, recoveryMs: 60_000, timeoutMs: 600_000 });
    // The service's events since the rollback ended: the answer's time plus the 4 s rollback, on
    // the collector's clock.
    assert.deepEqual(s.healthQueries, Array(3).fill(`?service=chat&since=${1_700_000_000_000 + 4_000}`));
  });

  it('a rollback command that failed tracks no recovery, and reports none', async () => {
    const clock = new ManualClock();
    const s = scripted(['ROLLBACK'], [true]);
    const io = capture({ clock, fetch: s.fetch, run: async () => 3 });
    const code = await drive(
      clock,
      runGateCommand(['-s', 'chat', '-v', 'v2', '--json', '--on-rollback', 'x'], io),
      1_000,
    );
    assert.equal(code, 20, 'the decision decides the exit code, not the rollback command');
    const out = JSON.parse(io.out) as { rollback: { exitCode: number }; recovery?: unknown };
    assert.equal(out.rollback.exitCode, 3);
    assert.equal(out.recovery, undefined);
    assert.deepEqual(s.healthQueries, []);
    assert.deepEqual(s.reported, ['rollback']);
    assert.match(io.err, /recovery not tracked: the rollback command failed/);
  });

  it('--rollback-timeout bounds the rollback command; one ended for it is reported as such', async () => {
    const clock = new ManualClock();
    const s = scripted(['ROLLBACK'], [true]);
    const timeouts: number[] = [];
    const io = capture({
      clock,
      fetch: s.fetch,
      run: async (_command, _env, options) => {
        timeouts.push(options.timeoutMs);
        return 124;
      },
    });
    const args = ['-s', 'chat', '-v', 'v2', '--json', '--on-rollback', 'x', '--rollback-timeout', '2m'];
    assert.equal(await drive(clock, runGateCommand(args, io), 1_000), 20);
    assert.deepEqual(timeouts, [120_000]);
    assert.match(io.err, /rollback failed \(exit 124: ended after --rollback-timeout 2m\)/);
    assert.match(io.err, /recovery not tracked: the rollback command failed/);
  });

  it('a health check the collector refuses (4xx) ends recovery tracking at once, reporting no outcome', async () => {
    const clock = new ManualClock();
    const s = scripted(['ROLLBACK']);
    // A proxy in front of the collector that routes only the decision and the reports.
    const noHealthRoute = (async (input: string | URL | Request, init?: RequestInit) => {
      if (new URL(String(input)).pathname !== '/v1/gate/health') return s.fetch(input, init);
      return Response.json({ error: { code: 404, message: 'no route' } }, { status: 404 });
    }) as typeof fetch;
    const io = capture({ clock, fetch: noHealthRoute, run: async () => 0 });
    const start = clock.monotonic();
    const code = await drive(
      clock,
      runGateCommand(
        ['-s', 'chat', '-v', 'v2', '--json', '--on-rollback', 'x', '--recovery-timeout', '10m'],
        io,
      ),
      1_000,
    );
    assert.equal(code, 20);
    const out = JSON.parse(io.out) as { recovery?: unknown };
    assert.equal(out.recovery, undefined, 'not "not recovered": nothing was measured');
    assert.deepEqual(s.reported, ['rollback']);
    assert.match(io.err, /recovery not tracked: GET \/v1\/gate\/health → HTTP 404: no route/);
    assert.ok(clock.monotonic() - start < 60_000, 'no ten-minute wait for an answer that cannot come');
  });

  it('not recovered within the recovery timeout', async () => {
    const clock = new ManualClock();
    const s = scripted(['ROLLBACK'], [false]);
    const io = capture({ clock, fetch: s.fetch, run: async () => 0 });
    const code = await drive(
      clock,
      runGateCommand(
        [
          '-s',
          'chat',
          '-v',
          'v2',
          '--json',
          '--on-rollback',
          'x',
          '--interval',
          '30s',
          '--recovery-timeout',
          '2m',
        ],
        io,
      ),
      10_000,
    );
    assert.equal(code, 20);
    const out = JSON.parse(io.out) as { rollback: { exitCode: number }; recovery: { recovered: boolean } };
    assert.equal(out.rollback.exitCode, 0);
    assert.equal(out.recovery.recovered, false);
    assert.deepEqual(s.reported, ['rollback', 'recovery']);
  });
});
