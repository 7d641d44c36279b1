import assert from 'node:assert/strict';
import { it } from 'node:test';
import { resolveOptions } from './options.ts';
import { ignoredMessage, ignoredOptions } from './second-start.ts';

it('options a later start() gives that are in effect already, from the environment too, are not ignored ones', () => {
  const env = {
    OTEL_SERVICE_NAME: 'support-agent',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
    BREAKWATER_CONTROL: 'off',
  };
  const resolved = resolveOptions({ logger: () => {} }, env);
  const inEffect = { given: {}, resolved, captureMessageContent: false };
  assert.deepEqual(
    ignoredOptions(
      {
        serviceName: 'support-agent',
        metricIntervalMs: 15_000,
        control: false,
        captureMessageContent: false,
      },
      inEffect,
    ),
    [],
  );
  assert.deepEqual(
    ignoredOptions(
      { serviceName: 'other', control: { url: 'http://collector:4318' }, logger: () => {} },
      inEffect,
    ),
    ['serviceName', 'control'],
  );
});

it('empty policy and classifier-rule lists are what a start without them has, so they are not ignored ones', () => {
  const resolved = resolveOptions({ logger: () => {} }, {});
  const inEffect = { given: {}, resolved, captureMessageContent: false };
  assert.deepEqual(ignoredOptions({ policies: [], classifierRules: [] }, inEffect), []);
  assert.deepEqual(
    ignoredOptions({ policies: [{ match: 'openai/*', policy: { timeoutMs: 5_000 } }] }, inEffect),
    ['policies'],
  );
  const withRules = {
    given: { policies: [{ match: '*', policy: {} }] },
    resolved,
    captureMessageContent: false,
  };
  assert.deepEqual(ignoredOptions({ policies: [] }, withRules), ['policies']);
});

it('the warning after the register hook says which variable sets what, and what has none', () => {
  assert.equal(
    ignoredMessage(['serviceName', 'policies', 'classifierRules'], 'register'),
    'start() options ignored: serviceName, policies, classifierRules (Breakwater was already started by --import @breakwater/node/register, from the environment, and starts once per process): set serviceName through OTEL_SERVICE_NAME; policies, classifierRules have no variable: instead of --import @breakwater/node/register, --import a file of your own that imports @breakwater/node/hook and then calls start() with them',
  );
});

// Regression: an unknown option (a misspelling) was told it "has no variable" and advised to be
// given to a start() of the app's own, which would only log it as unknown: it is named as what it is.
it('an unknown option in a later start() is told as unknown, with the option it resembles', () => {
  assert.equal(
    ignoredMessage(['serviceName', 'servicename'], 'register'),
    'start() options ignored: serviceName, servicename (Breakwater was already started by --import @breakwater/node/register, from the environment, and starts once per process): set serviceName through OTEL_SERVICE_NAME; servicename: unknown option (did you mean serviceName?)',
  );
  assert.equal(
    ignoredMessage(['policies', 'polices', 'bogusOption'], 'start'),
    'start() options ignored: policies, polices, bogusOption (Breakwater was already started by an earlier start() call, and starts once per process): give policies to that first call; polices: unknown option (did you mean policies?); bogusOption: unknown option',
  );
});

it('the same token read again from its file (a trailing newline) is the one in effect, not an ignored option', () => {
  const control = { url: 'http://collector:4318', token: 'subscribe-token\n' };
  const given = { control, logger: () => {} };
  const inEffect = { given, resolved: resolveOptions(given, {}), captureMessageContent: false };
  assert.deepEqual(ignoredOptions({ control }, inEffect), []);
});
