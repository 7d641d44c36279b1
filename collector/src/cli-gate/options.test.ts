import assert from 'node:assert/strict';
import { it } from 'node:test';
import { UsageError } from '../cli/usage-error.ts';
import { parseGateOptions } from './options.ts';

const ARGS = ['--service', 'checkout', '--version', '1.4.2'];

/** The usage error `parseGateOptions` throws for these arguments and environment. */
function usageError(argv: readonly string[], env: Record<string, string>): string {
  try {
    parseGateOptions(argv, env);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  return assert.fail('no usage error');
}

it('a bad collector URL from $BREAKWATER_COLLECTOR_URL is named as the variable, not as --url', () => {
  assert.equal(
    usageError(ARGS, { BREAKWATER_COLLECTOR_URL: 'collector:4318' }),
    'BREAKWATER_COLLECTOR_URL: expected an http(s) URL, got "collector:4318"',
  );
  // What `BREAKWATER_COLLECTOR_URL: ${{ vars.BREAKWATER_COLLECTOR_URL }}` gives when the variable is not defined.
  assert.equal(
    usageError(ARGS, { BREAKWATER_COLLECTOR_URL: '' }),
    'BREAKWATER_COLLECTOR_URL is empty (is the variable that gives it set?)',
  );
  assert.equal(
    usageError([...ARGS, '--url', 'collector:4318'], {}),
    '--url: expected an http(s) URL, got "collector:4318"',
  );
  // --url wins over the variable, which is then not read.
  const options = parseGateOptions([...ARGS, '--url', 'http://collector:4318/'], {
    BREAKWATER_COLLECTOR_URL: '',
  });
  assert.equal(options.url, 'http://collector:4318');
});

it('a flag that only acts through another is refused without it, not ignored', () => {
  assert.equal(
    usageError([...ARGS, '--interval', '15s'], {}),
    '--interval needs --wait, --watch or --on-rollback (it paces their polls)',
  );
  assert.equal(
    usageError([...ARGS, '--recovery-timeout', '5m'], {}),
    '--recovery-timeout needs --on-rollback',
  );
  assert.equal(
    usageError([...ARGS, '--rollback-timeout', '5m'], {}),
    '--rollback-timeout needs --on-rollback',
  );
  assert.equal(
    usageError([...ARGS, '--trace-url-template', 'http://jaeger/trace/{traceId}'], {}),
    '--trace-url-template needs --report-dir or --alertmanager-url (it links traces there)',
  );
  assert.equal(
    usageError([...ARGS, '--alertmanager-header', 'A: b'], {}),
    '--alertmanager-header needs --alertmanager-url',
  );
  assert.equal(
    usageError([...ARGS, '--alertmanager-label', 'team=payments'], {}),
    '--alertmanager-label needs --alertmanager-url',
  );
  // With its partner (either of two), each is taken.
  const options = parseGateOptions(
    [
      ...ARGS,
      '--watch',
      '5m',
      '--interval',
      '15s',
      '--on-rollback',
      'true',
      '--recovery-timeout',
      '5m',
      '--report-dir',
      'r',
      '--trace-url-template',
      'http://jaeger/trace/{traceId}',
    ],
    {},
  );
  assert.equal(options.intervalMs, 15_000);
  assert.equal(options.recoveryTimeoutMs, 300_000);
  assert.deepEqual(options.warnings, []);
});

it('an empty --baseline or --slo (an unset variable) is said on standard error, not passed over in silence', () => {
  const options = parseGateOptions([...ARGS, '--baseline', '', '--slo', ' , '], {});
  assert.deepEqual(options.warnings, [
    '--baseline is empty (is the variable that gives it set?): comparing with every other version seen',
    '--slo is empty (is the variable that gives it set?): judging every SLO, none of them required',
  ]);
  assert.deepEqual(parseGateOptions([...ARGS, '--baseline', '1.4.1'], {}).warnings, []);
});

it('an empty --on-rollback (an unset variable) is refused, not run as a rollback that did nothing and succeeded', () => {
  assert.equal(
    usageError([...ARGS, '--on-rollback', ' '], {}),
    '--on-rollback is empty (is the variable that gives it set?)',
  );
});

it('refuses an --alertmanager-label Alertmanager would refuse, or one the gate sets itself, or an empty one', () => {
  const am = [...ARGS, '--alertmanager-url', 'http://am:9093'];
  const label = (...values: string[]) => [...am, ...values.flatMap((v) => ['--alertmanager-label', v])];
  for (const [args, message] of [
    [label('team'), '--alertmanager-label "team" is not name=value (it has no "=")'],
    [label('=payments'), '--alertmanager-label "=payments" has no label name before its "="'],
    [
      label('team-name=payments'),
      '--alertmanager-label "team-name": a label name is letters, digits and "_", not starting with a digit',
    ],
    [
      label('severity=low'),
      '--alertmanager-label "severity": breakwater gate sets label "severity" on its incident alert itself; give this one another name',
    ],
    [label('team=a', 'team=b'), '--alertmanager-label "team" is given twice'],
    // What `--alertmanager-label "team=$TEAM"` gives with the variable unset.
    [label('team='), '--alertmanager-label "team" is empty (is the variable that gives it set?)'],
  ] as const)
    assert.equal(usageError(args, {}), message, JSON.stringify(args));
  assert.deepEqual(parseGateOptions(label('team=pay=ments', ' cluster = eu-1 '), {}).alertmanagerLabels, {
    team: 'pay=ments',
    cluster: 'eu-1',
  });
  assert.deepEqual(parseGateOptions(am, {}).alertmanagerLabels, {});
});
