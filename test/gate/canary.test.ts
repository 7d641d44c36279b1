/**
 * The deployment gate end to end: a real collector process, agent processes running the real
 * SDK (@breakwater/node) around the real `openai` client against the fault provider, spans over
 * the real OTLP/HTTP exporter, and the real `breakwater gate` CLI (in process, real HTTP).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { GateAnswerSchema } from '@breakwater/protocol';
import { runGateCommand } from '../../collector/src/cli-gate/run-gate.ts';
import { freePort } from '../harness/ports.ts';
import { type RunningProcess, startNode, stopAll } from '../harness/process.ts';

let dir: string;
let url: string;
let provider: FaultProvider;
/** Starts `breakwater serve` (stopped with every other child in `after`). */
async function startCollector(): Promise<RunningProcess> {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  return startNode(
    ['collector/src/cli/main.ts', 'serve', '--listen', `127.0.0.1:${port}`, '--data-dir', join(dir, 'data')],
    { readyUrl: `${url}/readyz`, name: 'collector' },
  );
}

/** One agent process: `calls` chat completions as `service@version` on `model`. */
async function agent(
  service: string,
  version: string,
  model: string,
  calls: number,
): Promise<{ ok: number; failed: number }> {
  const p = await startNode(['test/gate/fixtures/agent.cjs'], {
    env: {
      SERVICE: service,
      VERSION: version,
      MODEL: model,
      CALLS: String(calls),
      FAULT_URL: provider.openaiBaseUrl,
      COLLECTOR_URL: url,
    },
    readyLine: /"ok":\d+/,
    timeoutMs: 60_000,
    name: `${service}@${version}`,
  });
  await p.exited;
  const line = p
    .output()
    .split('\n')
    .find((l) => l.startsWith('{"service"'));
  return JSON.parse(line ?? '{}') as { ok: number; failed: number };
}

/** Runs `breakwater gate` in process; returns exit code and parsed `--json` output. */
async function gate(args: string[]): Promise<{ code: number; out: Record<string, unknown>; err: string }> {
  let out = '';
  let err = '';
  const code = await runGateCommand([...args, '--url', url, '--json'], {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    env: {},
  });
  return { code, out: out === '' ? {} : (JSON.parse(out) as Record<string, unknown>), err };
}

const reasonCodes = (out: Record<string, unknown>) =>
  (out.reasons as { code: string; decision?: string }[])
    .filter((r) => r.decision !== undefined)
    .map((r) => r.code);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gate-e2e-'));
  provider = await startFaultProvider();
  // The canary's model fails 1 call in 20 (5 %) with a 503; the budget scenario's baseline 1 in 10.
  provider.script([
    {
      route: 'openai.chat',
      model: 'gpt-canary-bad',
      repeat: true,
      steps: [
        { fault: 'ok', count: 19 },
        { fault: 'error', status: 503, count: 1 },
      ],
    },
    {
      route: 'openai.chat',
      model: 'gpt-budget-v1',
      repeat: true,
      steps: [
        { fault: 'ok', count: 9 },
        { fault: 'error', status: 503, count: 1 },
      ],
    },
  ]);
  await startCollector();
  // Traffic for every scenario, in parallel: each scenario is its own service.
  const runs = await Promise.all([
    agent('svc-rollback', 'v1', 'gpt-healthy', 400),
    agent('svc-rollback', 'v2', 'gpt-canary-bad', 400),
    agent('svc-proceed', 'v1', 'gpt-healthy', 300),
    agent('svc-proceed', 'v2', 'gpt-healthy', 300),
    agent('svc-tiny', 'v1', 'gpt-healthy', 200),
    agent('svc-tiny', 'v2', 'gpt-healthy', 20),
    agent('svc-budget', 'v1', 'gpt-budget-v1', 300),
    agent('svc-budget', 'v2', 'gpt-healthy', 200),
  ]);
  assert.equal(runs[1]!.failed, 20, 'the canary failed 5 % of its calls');
});

after(async () => {
  await stopAll();
  await provider?.close();
  await rm(dir, { recursive: true, force: true });
});

describe(`deployment gate end to end`, () => {
  it('failing canary (5 %) vs healthy baseline → ROLLBACK; the rollback command ran once; incident written', async () => {
    const marker = join(dir, 'rollback.log');
    const reports = join(dir, 'reports');
    const { code, out, err } = await gate([
      '--service',
      'svc-rollback',
      '--version',
      'v2',
      '--wait',
      '30s',
      '--interval',
      '1s',
      '--on-rollback',
      `echo "rolled back $BREAKWATER_GATE_VERSION" >> '${marker}'`,
      '--recovery-timeout',
      '3s',
      '--report-dir',
      reports,
      '--trace-url-template',
      'http://jaeger:16686/trace/{traceId}',
    ]);
    assert.equal(code, 20, err);
    const answer = GateAnswerSchema.parse(out);
    assert.deepEqual(answer.baseline, ['v1']);
    assert.ok(reasonCodes(out).includes('sustained_burn'), JSON.stringify(answer.reasons));
    assert.ok(reasonCodes(out).includes('worse_than_baseline'));
    assert.equal(await readFile(marker, 'utf8'), 'rolled back v2\n', 'exactly once');
    const rollback = out.rollback as { latencyMs: number; exitCode: number };
    assert.equal(rollback.exitCode, 0);
    assert.ok(rollback.latencyMs >= 0 && rollback.latencyMs < 10_000);
    // Recovery is judged on the service's traffic after the rollback (whole minutes of the store),
    // and every agent here has finished: no traffic since, so no recovery shown within 3 s.
    assert.deepEqual(out.recovery, { recovered: false, timeoutMs: 3_000 });
    const files = await readdir(reports);
    assert.equal(files.length, 2);
    const md = await readFile(join(reports, files.find((f) => f.endsWith('.md'))!), 'utf8');
    assert.match(md, /`overloaded`: 20/, 'the SDK classifies an OpenAI 503 as overloaded');
    assert.match(md, /\]\(http:\/\/jaeger:16686\/trace\/[0-9a-f]{32}\)/, 'example traces linked');
  });

  it('healthy canary → PROCEED', async () => {
    const { code, out, err } = await gate(['--service', 'svc-proceed', '--version', 'v2']);
    assert.equal(code, 0, err);
    assert.equal(out.decision, 'PROCEED');
  });

  it('too little traffic → HALT (insufficient data)', async () => {
    const { code, out } = await gate([
      '--service',
      'svc-tiny',
      '--version',
      'v2',
      '--wait',
      '2s',
      '--interval',
      '1s',
    ]);
    assert.equal(code, 10);
    assert.deepEqual(reasonCodes(out), ['insufficient_data']);
  });

  it('error budget below the reserve → HALT (budget_below_reserve), though the canary is healthy', async () => {
    const { code, out } = await gate(['--service', 'svc-budget', '--version', 'v2']);
    assert.equal(code, 10);
    assert.ok(reasonCodes(out).includes('budget_below_reserve'), JSON.stringify(out.reasons));
    assert.ok(!reasonCodes(out).includes('worse_than_baseline'));
  });

  it('Argo-style GET (JSON + jsonPath $.decision) and Flagger-style webhook (2xx = pass)', async () => {
    const argo = GateAnswerSchema.parse(
      await (await fetch(`${url}/v1/gate?service=svc-proceed&version=v2`)).json(),
    );
    assert.equal(argo.decision, 'PROCEED');
    const flagger = (version: string) =>
      fetch(`${url}/v1/gate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'svc',
          namespace: 'prod',
          phase: 'Progressing',
          metadata: { service: version === 'v2' ? 'svc-proceed' : 'svc-rollback', version: 'v2' },
        }),
      });
    assert.equal((await flagger('v2')).status, 200);
    assert.equal((await flagger('rb')).status, 409);
  });

  it('/metrics counts decisions, rollback latency and recoveries', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /breakwater_gate_decisions_total\{service="svc-rollback",decision="ROLLBACK"\} [1-9]/);
    assert.match(text, /breakwater_gate_decisions_total\{service="svc-proceed",decision="PROCEED"\} [1-9]/);
    assert.match(text, /breakwater_gate_rollback_latency_seconds_count\{service="svc-rollback"\} 1/);
    assert.match(text, /breakwater_gate_recoveries_total\{service="svc-rollback",result="not_recovered"\} 1/);
  });
});
