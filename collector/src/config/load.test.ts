// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings test ${ENV} substitution
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FAULT_SOURCES, TOKEN_SCOPES } from '@breakwater/protocol';
import { ConfigError } from './config-error.ts';
import { isLoopbackHost, parseListenAddress } from './listen-address.ts';
import { type ConfigOverride, defaultConfig, loadConfigFile, parseConfig } from './load.ts';

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig({ name: 'collector.yaml', text }, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message.split('\n');
  }
  assert.fail('expected a ConfigError');
}

describe('configuration loading', () => {
  it('an empty file gives every default', () => {
    const config = defaultConfig();
    assert.equal(config.listen, '127.0.0.1:4318');
    assert.equal(config.dataDir, './.breakwater');
    assert.equal(config.limits.maxBodyBytes, 64 * 1024 * 1024);
    assert.deepEqual(config.auth.tokens, []);
    assert.deepEqual(config.forward, []);
  });

  it('errors name the file, the line and column, the document path and what was expected, in file order', () => {
    const lines = problems(
      [
        'listen: nowhere',
        'auth:',
        '  tokens:',
        '    - token: short',
        '      scopes: [ingest, root]',
        'forward:',
        '  - url: http://jaeger:4318',
        '  - url: ftp://tempo',
        'limits:',
        '  maxBodyBytes: -5',
        'shutdownTimeout: soon',
        'surprise: 1',
      ].join('\n'),
    );
    assert.deepEqual(lines, [
      'collector.yaml:1:9: listen: expected host:port (e.g. 127.0.0.1:4318 or [::1]:4318), got "nowhere"',
      'collector.yaml:4:14: auth.tokens[0].token: tokens must be at least 16 characters long',
      `collector.yaml:5:24: auth.tokens[0].scopes[1]: Invalid option: expected one of ${TOKEN_SCOPES.map((s) => `"${s}"`).join('|')}`,
      'collector.yaml:8:10: forward[1].url: expected an http(s) URL',
      'collector.yaml:10:17: limits.maxBodyBytes: Too small: expected number to be >0',
      'collector.yaml:11:18: shutdownTimeout: invalid duration "soon": expected a number and a unit (ms, s, m, h, d, w), e.g. "30s"',
      'collector.yaml:12:11: surprise: unknown key',
    ]);
  });

  it('an alertmanager URL that is not http(s) says so, as a forward URL does', () => {
    assert.deepEqual(
      problems('alertmanager:\n  url: ftp://alertmanager:9093\n  generatorUrl: status page\n'),
      [
        'collector.yaml:2:8: alertmanager.url: expected an http(s) URL',
        'collector.yaml:3:17: alertmanager.generatorUrl: expected a URL',
      ],
    );
  });

  it('a value outside a closed set says which values it may take, not "Invalid input"', () => {
    const lines = problems(
      [
        'defaultSlos: yes',
        'slos:',
        '  - name: x',
        '    objective: 99',
        '    selector: { status: failed, errorSource: [dependency, nobody] }',
      ].join('\n'),
    );
    assert.deepEqual(lines, [
      'collector.yaml:1:14: defaultSlos: expected true, false or "auto" (got "yes")',
      'collector.yaml:5:25: slos[0].selector.status: expected one of unset, ok, error, or a list of them (got "failed")',
      `collector.yaml:5:46: slos[0].selector.errorSource: expected one of ${FAULT_SOURCES.join(', ')}, or a list of them (got ["dependency","nobody"])`,
    ]);
  });

  it('an objective below 1 % is a fraction written where a percentage goes: refused, saying so', () => {
    assert.deepEqual(problems('slos:\n  - name: a\n    objective: 0.995\n'), [
      'collector.yaml:3:16: slos[0].objective: a percentage (99.5 means 99.5 %): 0.995 looks like a fraction; write 99.5',
    ]);
    assert.doesNotThrow(() =>
      parseConfig(
        { name: 'x', text: 'slos:\n  - { name: p50, sli: latency, threshold: 1s, objective: 50 }\n' },
        {},
      ),
    );
  });

  it('a value matching no alternative of a union names them all, or the problems inside the one it took', () => {
    assert.deepEqual(problems('gate:\n  fastBurn: ticket\n'), [
      'collector.yaml:2:13: gate.fastBurn: Invalid input: expected "page" or array, received string',
    ]);
    assert.deepEqual(problems('gate:\n  fastBurn: [{ longWindow: 1h, shortWindow: 5m }]\n'), [
      'collector.yaml:2:14: gate.fastBurn[0].burnRate: Invalid input: expected number, received undefined',
    ]);
  });

  it('rejects an in-flight byte budget smaller than one gzip request (twice maxBodyBytes)', () => {
    assert.throws(
      () =>
        parseConfig({ name: 'c.yaml', text: 'limits: { maxBodyBytes: 1000, maxInFlightBytes: 1999 }' }, {}),
      /limits\.maxInFlightBytes: must be at least twice maxBodyBytes \(2000\)/,
    );
    assert.equal(
      parseConfig({ name: 'c.yaml', text: 'limits: { maxBodyBytes: 1000, maxInFlightBytes: 2000 }' }, {})
        .limits.maxInFlightBytes,
      2000,
    );
  });

  it('rejects two auth.tokens entries with the same secret, naming both entries but not the secret', () => {
    const secret = 'shared-secret-0123456789';
    const lines = problems(
      [
        'auth:',
        '  tokens:',
        '    - { name: agents-ingest, token: "${T}", scopes: [ingest] }',
        '    - { token: other-token-0123456789, scopes: [admin] }',
        '    - { name: agents-subscribe, token: "${T}", scopes: [subscribe] }',
      ].join('\n'),
      { T: secret },
    );
    assert.deepEqual(lines, [
      'collector.yaml:5:40: auth.tokens[2].token: same token as auth.tokens[0] ("agents-ingest"): only that entry\'s scopes would apply to it. Give auth.tokens[2] ("agents-subscribe") its own token, or list every scope on one entry (from ${T})',
    ]);
    assert.ok(!lines.join('\n').includes(secret));
  });

  it('rejects a token with whitespace or non-ASCII in it: no Authorization header could carry it', () => {
    for (const T of ['my admin token 0123456789', 'clé-secrète-0123456789']) {
      assert.deepEqual(
        problems(['auth:', '  tokens:', '    - { token: "${T}", scopes: [admin] }'].join('\n'), { T }),
        [
          'collector.yaml:3:16: auth.tokens[0].token: tokens must be printable ASCII, without spaces or other whitespace (an Authorization header carries them) (from ${T})',
        ],
        T,
      );
    }
  });

  it('rejects alertmanager.labels that the collector sets on its alerts itself', () => {
    const lines = problems(
      [
        'alertmanager:',
        '  labels: { cluster: prod, severity: low, model: any }',
        'slos:',
        '  - { name: chat, objective: 99, selector: { operation: chat }, groupBy: [model] }',
      ].join('\n'),
    );
    assert.deepEqual(lines, [
      'collector.yaml:2:38: alertmanager.labels.severity: the collector sets label "severity" on every alert itself; give this one another name',
      'collector.yaml:2:50: alertmanager.labels.model: the collector sets label "model" on the alerts of SLO chat (groupBy model) itself; give this one another name',
    ]);
  });

  it('rejects alertmanager.labels that the deployment gate sets on its incident alerts', () => {
    // The gate's own `version` and `decision` would override them on BreakwaterDeploymentGate alerts.
    const gate =
      'on the deployment gate alerts (BreakwaterDeploymentGate) itself; give this one another name';
    assert.deepEqual(problems('alertmanager:\n  labels: { version: x, decision: y, team: z }\n'), [
      `collector.yaml:2:22: alertmanager.labels.version: the collector sets label "version" ${gate}`,
      `collector.yaml:2:35: alertmanager.labels.decision: the collector sets label "decision" ${gate}`,
    ]);
  });

  it('rejects durations that drive timers beyond what a Node.js timer can wait (~24.8 d); 24d is fine', () => {
    const limit =
      'must be at most 24d: this duration drives a timer, and Node.js timers cannot wait longer than about 24.8 days';
    assert.deepEqual(
      problems(
        [
          'gate: { alerts: { ttl: 30d } }',
          'alertmanager: { resendInterval: 25d, timeout: 24d }',
          'evaluation: { interval: 4w }',
          'fleet: { stream: { retry: 2147483648 } }',
          'shutdownTimeout: 25d',
          // requestTimeout must cover headersTimeout (10s) + bodyTimeout.
          'limits: { bodyTimeout: 23d, requestTimeout: 24d }',
        ].join('\n'),
      ),
      [
        `collector.yaml:1:24: gate.alerts.ttl: ${limit}`,
        `collector.yaml:2:33: alertmanager.resendInterval: ${limit}`,
        `collector.yaml:3:25: evaluation.interval: ${limit}`,
        `collector.yaml:4:27: fleet.stream.retry: ${limit}`,
        `collector.yaml:5:18: shutdownTimeout: ${limit}`,
      ],
    );
    // SLO windows are compared with the clock, not waited for: 30d stays valid.
    assert.doesNotThrow(() =>
      parseConfig(
        {
          name: 'c',
          text: 'slos: [{ name: a, objective: 99, window: 30d }]\ngate: { alerts: { ttl: 24d } }',
        },
        {},
      ),
    );
  });

  it('a value that is no duration gets that one problem; one of zero length, that it must be positive', () => {
    assert.deepEqual(
      problems('slos: [{ name: a, objective: 99, window: 30x }]\nevaluation: { levelWindow: 0m }'),
      [
        'collector.yaml:1:42: slos[0].window: expected a duration such as "30s", "5m", "6h" or "30d"',
        'collector.yaml:2:28: evaluation.levelWindow: must be a positive duration',
      ],
    );
  });

  it('keeps the OTLP/JSON limit within maxBodyBytes: lowered with it by default, refused above it', () => {
    const limits = (text: string) => parseConfig({ name: 'c', text }, {}).limits;
    assert.equal(limits('{}').maxJsonBodyBytes, 20 * 1024 * 1024);
    assert.equal(limits('limits: { maxBodyBytes: 1048576 }').maxJsonBodyBytes, 1_048_576);
    assert.equal(limits('limits: { maxJsonBodyBytes: 4096 }').maxJsonBodyBytes, 4096);
    assert.deepEqual(problems('limits: { maxBodyBytes: 1048576, maxJsonBodyBytes: 2097152 }'), [
      'collector.yaml:1:52: limits.maxJsonBodyBytes: must be at most maxBodyBytes (1048576), which limits every body; raise that too',
    ]);
  });

  it('reports YAML syntax errors with their position, once, and no code frame', () => {
    const [line] = problems('listen: [\n');
    assert.match(line!, /^collector\.yaml:2:1: invalid YAML: /);
    assert.deepEqual(problems('slos:\n  - name: a\n   objective: 99\n'), [
      'collector.yaml:3:1: invalid YAML: Sequence item without - indicator',
    ]);
    assert.deepEqual(problems('listen: "127.0.0.1:4318\nlogLevel: info\n'), [
      'collector.yaml:3:1: invalid YAML: Missing closing "quote',
    ]);
    assert.deepEqual(problems('listen: 127.0.0.1:4318\nlisten: 127.0.0.1:4319\n'), [
      'collector.yaml:2:1: invalid YAML: Map keys must be unique',
    ]);
  });

  it('substitutes ${ENV} in strings, with defaults and $${ escapes; missing variables are errors', () => {
    const config = parseConfig(
      {
        name: 'c.yaml',
        text: 'auth:\n  tokens:\n    - token: ${TOKEN}\n      scopes: [admin]\nforward:\n  - url: ${FWD:-http://otel:4318}\n    headers: { x: "$${literal}" }\n',
      },
      { TOKEN: 'abcdefghijklmnopqrstuvwxyz' },
    );
    assert.equal(config.auth.tokens[0]!.token, 'abcdefghijklmnopqrstuvwxyz');
    assert.equal(config.forward[0]!.url, 'http://otel:4318');
    assert.equal(config.forward[0]!.headers.x, '${literal}');
    assert.deepEqual(problems('auth:\n  tokens:\n    - token: ${NOPE}\n      scopes: [admin]\n'), [
      'collector.yaml:3:14: auth.tokens[0].token: environment variable NOPE is not set (write ${NOPE:-default} for a fallback)',
    ]);
  });

  it('an unset variable does not hide the problems of the rest of the file', () => {
    assert.deepEqual(problems('alertmanager:\n  url: ${AM_URL}\nevaluation:\n  intervall: 10s\n'), [
      'collector.yaml:2:8: alertmanager.url: environment variable AM_URL is not set (write ${AM_URL:-default} for a fallback)',
      'collector.yaml:4:14: evaluation.intervall: unknown key (did you mean interval?)',
    ]);
  });

  it('an unknown key is reported even when its own value is an unset variable', () => {
    // The key is wrong whatever the variable holds: setting it must not be the way to learn that.
    assert.deepEqual(problems('evaluation:\n  intervall: ${EVAL_INTERVAL}\n'), [
      'collector.yaml:2:14: evaluation.intervall: environment variable EVAL_INTERVAL is not set (write ${EVAL_INTERVAL:-default} for a fallback)',
      'collector.yaml:2:14: evaluation.intervall: unknown key (did you mean interval?)',
    ]);
  });

  it('reports every reference it cannot substitute and every other problem, in file order', () => {
    const text = [
      'listen: ${LISTEN}',
      'logLevel: loud',
      'auth:',
      '  tokens:',
      '    - { token: "${T1}", scopes: [ingest] }',
      '    - { token: short, scopes: [root] }',
      'limits: { maxBodyBytes: -5, retryAfterSeconds: "${RETRY}" }',
      'evaluation:',
      '  intervall: 10s',
      '  maxSeries: ${SERIES-5}',
    ].join('\n');
    assert.deepEqual(problems(text), [
      'collector.yaml:1:9: listen: environment variable LISTEN is not set (write ${LISTEN:-default} for a fallback)',
      'collector.yaml:2:11: logLevel: Invalid option: expected one of "trace"|"debug"|"info"|"warn"|"error"|"fatal"|"silent"',
      'collector.yaml:5:16: auth.tokens[0].token: environment variable T1 is not set (write ${T1:-default} for a fallback)',
      'collector.yaml:6:16: auth.tokens[1].token: tokens must be at least 16 characters long',
      `collector.yaml:6:32: auth.tokens[1].scopes[0]: Invalid option: expected one of ${TOKEN_SCOPES.map((s) => `"${s}"`).join('|')}`,
      'collector.yaml:7:25: limits.maxBodyBytes: Too small: expected number to be >0',
      'collector.yaml:7:48: limits.retryAfterSeconds: environment variable RETRY is not set (write ${RETRY:-default} for a fallback)',
      'collector.yaml:9:14: evaluation.intervall: unknown key (did you mean interval?)',
      'collector.yaml:10:14: evaluation.maxSeries: "${SERIES-5}" is not a variable reference: write ${NAME} or ${NAME:-default} (NAME of letters, digits and _), or $${ for a literal ${',
    ]);
  });

  it('says nothing of a value whose reference it could not substitute but that', () => {
    // An unset URL is no invalid URL, an unset number no text where a number goes, and two
    // different unset variables are no two equal values (one spool file for both).
    const text = [
      'alertmanager: { url: "${AM_URL}" }',
      'limits: { maxInFlightRequests: "${INFLIGHT}" }',
      'forward:',
      '  - { url: "${FWD_A}", spool: true }',
      '  - { url: "http://${FWD_HOST}:4318", spool: true }',
    ].join('\n');
    const lines = problems(text);
    assert.deepEqual(
      lines.map((line) => line.replace(/ is not set .*/, '')),
      [
        'collector.yaml:1:22: alertmanager.url: environment variable AM_URL',
        'collector.yaml:2:32: limits.maxInFlightRequests: environment variable INFLIGHT',
        'collector.yaml:4:12: forward[0].url: environment variable FWD_A',
        'collector.yaml:5:12: forward[1].url: environment variable FWD_HOST',
      ],
      lines.join('\n'),
    );
    // The same reference twice stands for one value: that clash is real, whatever it is set to.
    const same = problems(
      'forward:\n  - { url: "${FWD}", spool: true }\n  - { url: "${FWD}", spool: true }\n',
    );
    assert.ok(
      same.includes(
        'collector.yaml:3:5: forward[1].spoolPath: forward[0] spools to the same file: give each spooling entry its own spoolPath',
      ),
      same.join('\n'),
    );
  });

  it('a ${VAR} alone at a number or boolean setting gives a number or boolean; elsewhere, text', () => {
    const text = [
      'limits:',
      '  maxInFlightRequests: ${INFLIGHT}',
      '  retryAfterSeconds: ${RETRY:-7}',
      'evaluation:',
      '  maxSeries: ${SERIES}',
      // In a flow mapping a reference is quoted (`{` is YAML there): it is still one alone.
      'alertmanager: { url: "http://127.0.0.1:9093", levels: "${LEVELS}" }',
      'auth:',
      '  tokens:',
      '    - token: ${DIGITS}',
      '      scopes: [admin]',
      'forward:',
      '  - url: http://127.0.0.1:${PORT}',
      '    spool: ${SPOOL}',
      // Also within an SLO entry, whose form is picked in code.
      'slos:',
      '  - { name: chat, objective: "${OBJECTIVE}", window: 30d }',
      '',
    ].join('\n');
    const env = {
      INFLIGHT: '12',
      SERIES: '5e3',
      LEVELS: 'false',
      DIGITS: '12345678901234567890',
      PORT: '4319',
      SPOOL: 'True',
      OBJECTIVE: '99.5',
    };
    const config = parseConfig({ name: 'env.yaml', text }, env);
    assert.equal(config.limits.maxInFlightRequests, 12);
    assert.equal(config.limits.retryAfterSeconds, 7);
    assert.equal(config.evaluation.maxSeries, 5000);
    assert.equal(config.alertmanager.levels, false);
    // A string setting keeps the text, digits and all; a reference inside text stays text.
    assert.equal(config.auth.tokens[0]!.token, '12345678901234567890');
    assert.equal(config.forward[0]!.url, 'http://127.0.0.1:4319');
    assert.equal(config.forward[0]!.spool, true);
    assert.equal((config.slos[0] as { objective: number }).objective, 99.5);
  });

  it('a ${VAR} checked only once the rest of its object is valid (an SLO level) gives a number too', () => {
    const text =
      'slos:\n  - name: chat\n    objective: ${OBJECTIVE}\n    levels:\n      warning: ${WARNING}\n';
    const config = parseConfig({ name: 'env.yaml', text }, { OBJECTIVE: '99.5', WARNING: '99.8' });
    const slo = config.slos[0] as { objective: number; levels?: { warning?: number } };
    assert.equal(slo.objective, 99.5);
    assert.equal(slo.levels?.warning, 99.8);
  });

  it('a ${VAR} that does not read as the number or boolean wanted is refused, naming the variable', () => {
    assert.deepEqual(
      problems('limits:\n  maxInFlightRequests: ${INFLIGHT}\nalertmanager:\n  levels: ${LEVELS}\n', {
        INFLIGHT: '12 requests',
        LEVELS: 'yes',
      }),
      [
        'collector.yaml:2:24: limits.maxInFlightRequests: Invalid input: expected number, received string (from ${INFLIGHT})',
        'collector.yaml:4:11: alertmanager.levels: Invalid input: expected boolean, received string (from ${LEVELS})',
      ],
    );
    // Read as a number, then checked as any number is.
    assert.deepEqual(problems('evaluation:\n  maxSeries: ${SERIES}\n', { SERIES: '-1' }), [
      'collector.yaml:2:14: evaluation.maxSeries: Too small: expected number to be >0 (from ${SERIES})',
    ]);
    // Quoted, it is a string as written: only a value that was a reference alone is read.
    assert.match(problems('evaluation: { maxSeries: "5000" }\n')[0]!, /expected number, received string$/);
  });

  it('a problem a command-line flag made is the flag’s, not a line of the file', () => {
    const text = 'listen: 127.0.0.1:4318\nforward: [ { url: "http://a:4318" } ]\n';
    const overrides: ConfigOverride[] = [
      (doc) => {
        doc.listen = '0.0.0.0:4318';
        return { flag: '--listen', paths: [['listen']] };
      },
      (doc) => {
        doc.forward = [...(doc.forward as unknown[]), { url: 'ftp://x' }];
        return { flag: '--forward', paths: [['forward', 1]] };
      },
    ];
    assert.throws(
      () => parseConfig({ name: 'fl.yaml', text }, {}, overrides),
      (error: unknown) => {
        const lines = (error as ConfigError).message.split('\n').sort();
        assert.equal(lines.length, 2, lines.join('\n'));
        assert.equal(lines[0], '--forward: forward[1].url: expected an http(s) URL');
        assert.match(lines[1]!, /^--listen: listen: refusing /);
        return true;
      },
    );
  });

  it('a reference a flag replaced needs no variable; one it did not replace still does', () => {
    const text = 'listen: ${LISTEN}\nalertmanager:\n  url: ${AM_URL}\n';
    const listenFlag: ConfigOverride = (doc) => {
      doc.listen = '127.0.0.1:9999';
      return { flag: '--listen', paths: [['listen']] };
    };
    assert.throws(
      () => parseConfig({ name: 'f.yaml', text }, {}, [listenFlag]),
      (error: unknown) => {
        assert.deepEqual((error as ConfigError).message.split('\n'), [
          'f.yaml:3:8: alertmanager.url: environment variable AM_URL is not set (write ${AM_URL:-default} for a fallback)',
        ]);
        return true;
      },
    );
    const config = parseConfig({ name: 'f.yaml', text }, { AM_URL: 'http://am:9093' }, [listenFlag]);
    assert.equal(config.listen, '127.0.0.1:9999');
  });

  it('an unknown key inside an SLO is reported at the key, like any other', () => {
    const text =
      'slos:\n  - name: chat\n    objective: 99\n    selector:\n      service: a\n      modle: x\n';
    assert.deepEqual(problems(text), [
      'collector.yaml:6:14: slos[0].selector.modle: unknown key (did you mean model?)',
    ]);
  });

  it("an unknown key in an SLO's levels is reported at the key, with the level meant for its sli", () => {
    const text = [
      'slos:',
      '  - { name: chat, objective: 99, levels: { warnign: 99.5 } }',
      '  - { name: slow, sli: latency, threshold: 2s, objective: 95, levels: { quantil: 0.9 } }',
    ].join('\n');
    assert.deepEqual(problems(text), [
      'collector.yaml:2:53: slos[0].levels.warnign: unknown key (did you mean warning?)',
      'collector.yaml:3:82: slos[1].levels.quantil: unknown key (did you mean quantile?)',
    ]);
  });

  it('an unknown key close to a known one says which was meant, in either SLO form', () => {
    const text = [
      'slos:',
      '  - name: chat',
      '    objective: 99',
      '    windw: 30d',
      // Keys of objects written once in the JSON Schema, under $defs.
      '    selector: { modle: gpt-4o }',
      '  - apiVersion: openslo/v1',
      '    kind: SLO',
      '    metadata: { name: tools }',
      '    spec:',
      '      budgetingMetod: Occurrences',
      'evaluaton: {}',
      'surprise: 1',
      'fleet:',
      '  windows: [{ duraton: 30s }]',
    ].join('\n');
    // (The OpenSLO document's missing keys are reported too; only the unknown ones matter here.)
    assert.deepEqual(
      problems(text).filter((p) => p.includes('unknown key')),
      [
        'collector.yaml:4:12: slos[0].windw: unknown key (did you mean window?)',
        'collector.yaml:5:24: slos[0].selector.modle: unknown key (did you mean model?)',
        'collector.yaml:10:23: slos[1].spec.budgetingMetod: unknown key (did you mean budgetingMethod?)',
        'collector.yaml:11:12: evaluaton: unknown key (did you mean evaluation?)',
        'collector.yaml:12:11: surprise: unknown key',
        'collector.yaml:14:24: fleet.windows[0].duraton: unknown key (did you mean duration?)',
      ],
    );
  });

  it('prometheusRules names must be Prometheus names (else `breakwater rules` writes PromQL that does not parse)', () => {
    assert.deepEqual(problems('prometheusRules:\n  serviceLabel: service.name\n  callsMetric: ""\n'), [
      'collector.yaml:2:17: prometheusRules.serviceLabel: expected a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)',
      'collector.yaml:3:16: prometheusRules.callsMetric: expected a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)',
    ]);
  });

  it('refuses a ${…} that is not a reference, instead of keeping it as text (a token would be the text)', () => {
    const text = [
      'auth:',
      '  tokens:',
      '    - { token: "${ADMIN_TOKEN-default-admin-token}", scopes: [admin] }',
      '    - { token: "${BREAKWATER-INGEST-TOKEN}", scopes: [ingest] }',
      'forward: [{ url: "http://otel:4318", headers: { x: "a ${ X } b", y: "${unclosed" } }]',
    ].join('\n');
    const hint = 'write ${NAME} or ${NAME:-default} (NAME of letters, digits and _), or $${ for a literal ${';
    assert.deepEqual(problems(text, { ADMIN_TOKEN: 'a'.repeat(32) }), [
      `collector.yaml:3:16: auth.tokens[0].token: "\${ADMIN_TOKEN-default-admin-token}" is not a variable reference: ${hint}`,
      `collector.yaml:4:16: auth.tokens[1].token: "\${BREAKWATER-INGEST-TOKEN}" is not a variable reference: ${hint}`,
      `collector.yaml:5:52: forward[0].headers.x: "\${ X }" is not a variable reference: ${hint}`,
      `collector.yaml:5:69: forward[0].headers.y: "\${unclosed" is not a variable reference: ${hint}`,
    ]);
  });

  it('with `sections`, other sections need no variables and take their defaults; read ones are checked as before', () => {
    const text = [
      'listen: 0.0.0.0:4318',
      'auth:',
      '  tokens:',
      '    - { token: "${UNSET_TOKEN}", scopes: [ingest] }',
      '    - { token: "${UNSET_TOKEN}", scopes: [admin] }',
      'forward: [{ url: "${UNSET_URL}" }]',
      'limits: { maxBodyBytes: -5 }',
      'gate: { slos: { nope: { required: true } } }',
      'slos: [{ name: chat, objective: 99.9, window: 7d }]',
      'evaluation: { minEvents: 3 }',
    ].join('\n');
    const sections = ['slos', 'evaluation'] as const;
    const config = parseConfig({ name: 'c', text }, {}, [], { sections });
    assert.equal(config.slos.length, 1);
    assert.equal(config.evaluation.minEvents, 3);
    assert.equal(config.listen, '127.0.0.1:4318');
    assert.deepEqual(config.auth.tokens, []);
    assert.deepEqual(config.forward, []);
    // Without `sections` the same file fails on its unset variables and the other sections' values.
    assert.deepEqual(problems(text), [
      'collector.yaml:4:16: auth.tokens[0].token: environment variable UNSET_TOKEN is not set (write ${UNSET_TOKEN:-default} for a fallback)',
      'collector.yaml:5:16: auth.tokens[1].token: environment variable UNSET_TOKEN is not set (write ${UNSET_TOKEN:-default} for a fallback)',
      'collector.yaml:6:18: forward[0].url: environment variable UNSET_URL is not set (write ${UNSET_URL:-default} for a fallback)',
      'collector.yaml:7:25: limits.maxBodyBytes: Too small: expected number to be >0',
      'collector.yaml:8:23: gate.slos.nope: unknown SLO "nope" (SLOs: chat, retry-recovery, breaker-refusal)',
    ]);
    // In a section that is read, an unset variable is still an error, and a misspelt key is still unknown.
    assert.throws(
      () =>
        parseConfig({ name: 'c', text: 'slos: [{ name: "${NOPE}", objective: 99 }]' }, {}, [], { sections }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.message.split('\n'), [
          'c:1:16: slos[0].name: environment variable NOPE is not set (write ${NOPE:-default} for a fallback)',
        ]);
        return true;
      },
    );
    assert.throws(() => parseConfig({ name: 'c', text: 'slo: []' }, {}, [], { sections }), {
      message: 'c:1:6: slo: unknown key (did you mean slos?)',
    });
  });

  it('a value from the environment cannot inject YAML', () => {
    const config = parseConfig({ name: 'c', text: 'dataDir: ${DIR}' }, { DIR: 'x\nlisten: 0.0.0.0:1' });
    assert.equal(config.listen, '127.0.0.1:4318');
    assert.equal(config.dataDir, 'x\nlisten: 0.0.0.0:1');
  });

  it('overrides apply before validation', () => {
    const config = parseConfig({ name: 'c', text: 'listen: 127.0.0.1:1' }, {}, [
      (doc) => {
        doc.listen = '127.0.0.1:2';
      },
    ]);
    assert.equal(config.listen, '127.0.0.1:2');
  });

  it('reads files and names a missing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-config-'));
    try {
      const path = join(dir, 'c.yaml');
      await writeFile(path, 'logLevel: debug\n');
      assert.equal((await loadConfigFile(path)).logLevel, 'debug');
      await assert.rejects(
        loadConfigFile(join(dir, 'missing.yaml')),
        /missing\.yaml: cannot read configuration: file not found/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('keys JavaScript treats specially', () => {
  it('a "__proto__" key is refused, not read as the keys under it or dropped', () => {
    const why = '"__proto__" cannot be a key (JavaScript reads it as an object\'s prototype)';
    assert.deepEqual(problems('__proto__: { listen: "127.0.0.1:9999" }'), [
      `collector.yaml:1:12: __proto__: ${why}`,
    ]);
    assert.deepEqual(
      problems(
        [
          'slos:',
          '  - name: chat',
          '    objective: 99',
          '    __proto__: { objective: 5 }',
          'alertmanager:',
          '  url: http://alertmanager:9093',
          '  labels: { __proto__: x, cluster: prod }',
        ].join('\n'),
      ),
      [
        `collector.yaml:4:16: slos[0].__proto__: ${why}`,
        `collector.yaml:7:24: alertmanager.labels.__proto__: ${why}`,
      ],
    );
  });
});

describe('YAML aliases', () => {
  it('an alias inside the node it names is a configuration error, not a crash', () => {
    assert.deepEqual(problems(['slos: &loop', '  - *loop'].join('\n')), [
      'collector.yaml:2:5: slos[0]: a YAML alias inside the node it refers to makes an endless document',
    ]);
  });

  it("aliases that expand past the parser's limit are a configuration error, not a crash", () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [from, to] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
    ])
      lines.push(`${to}: &${to} [${Array(10).fill(`*${from}`).join(', ')}]`);
    const [problem, ...rest] = problems(lines.join('\n'));
    assert.deepEqual(rest, []);
    assert.match(problem!, /^collector\.yaml: invalid YAML: its aliases expand to too many nodes/);
  });
});

describe('listen addresses', () => {
  it('parses host:port, [v6]:port and :port', () => {
    assert.deepEqual(parseListenAddress('0.0.0.0:4318'), { host: '0.0.0.0', port: 4318 });
    assert.deepEqual(parseListenAddress('[::1]:9'), { host: '::1', port: 9 });
    assert.deepEqual(parseListenAddress(':80'), { host: '127.0.0.1', port: 80 });
    assert.equal(typeof parseListenAddress('host'), 'string');
    assert.equal(typeof parseListenAddress('h:70000'), 'string');
  });

  it('knows loopback from reachable addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '::ffff:127.0.0.1'])
      assert.ok(isLoopbackHost(host), host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1'])
      assert.ok(!isLoopbackHost(host), host);
  });
});
