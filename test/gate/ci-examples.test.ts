/**
 * The pipeline examples in examples/ci-gate parse, and every `breakwater gate` call and gate URL
 * in them uses flags, paths and parameters that exist.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { GATE_PATHS } from '@breakwater/protocol';
import { parseAllDocuments } from 'yaml';
import { parseGateQuery } from '../../collector/src/act/gate/query.ts';
import { GATE_FLAG_OPTIONS } from '../../collector/src/cli-gate/options.ts';
import { REPO_ROOT } from '../harness/process.ts';

const DIR = join(REPO_ROOT, 'examples/ci-gate');
const read = (name: string) => readFile(join(DIR, name), 'utf8');

async function yamlDocs(name: string): Promise<Record<string, unknown>[]> {
  const docs = parseAllDocuments(await read(name));
  for (const d of docs) assert.deepEqual(d.errors, [], `${name}: ${d.errors.join('; ')}`);
  return docs.map((d) => d.toJSON() as Record<string, unknown>);
}

/** Shell words of one command line (quotes respected, variables left as text). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** Every `breakwater gate …` invocation in a script text (backslash continuations joined). */
function gateCalls(script: string): string[][] {
  const joined = script.replace(/\\\n\s*/g, ' ').replace(/\n\s+--/g, ' --');
  return joined
    .split('\n')
    .filter((l) => /\bbreakwater gate\b/.test(l) && !l.trim().startsWith('#'))
    .map((l) => {
      const argv = words(l.slice(l.indexOf('breakwater gate') + 'breakwater gate'.length));
      // The command ends at a redirection or another command.
      const end = argv.findIndex((w) => ['>', '>>', '|', '||', '&&', ';', '2>&1'].includes(w));
      return end < 0 ? argv : argv.slice(0, end);
    });
}

function assertValidGateCall(argv: string[], where: string): void {
  const { values } = parseArgs({
    args: argv,
    options: GATE_FLAG_OPTIONS,
    strict: true,
    allowPositionals: false,
  });
  assert.ok(values.service, `${where}: --service`);
  assert.ok(values.version, `${where}: --version`);
}

/** Collects strings found under `key` anywhere in a parsed YAML value. */
function collect(value: unknown, key: string, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) collect(v, key, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === key) {
        if (typeof v === 'string') out.push(v);
        else if (Array.isArray(v)) out.push(...v.filter((x): x is string => typeof x === 'string'));
      }
      collect(v, key, out);
    }
  }
  return out;
}

describe('examples/ci-gate', () => {
  it('GitHub Actions workflow: valid YAML, real gate flags, a validate → canary → promote chain', async () => {
    const [wf] = await yamlDocs('github-actions.yml');
    const jobs = wf!.jobs as Record<string, { needs?: string }>;
    assert.deepEqual(Object.keys(jobs), ['validate', 'canary', 'promote']);
    const calls = collect(jobs, 'run').flatMap(gateCalls);
    assert.ok(calls.length >= 3);
    calls.forEach((c, i) => {
      assertValidGateCall(c, `github-actions call ${i}`);
    });
    // Every call that judges the canary rolls it back: --wait can already answer ROLLBACK.
    const judging = calls.filter((c) => c.includes('--wait') || c.includes('--watch'));
    assert.equal(judging.length, 2);
    assert.ok(judging.every((c) => c.includes('--on-rollback')));
    const canary = (jobs.canary as unknown as { steps: { if?: string; run?: string }[] }).steps;
    assert.ok(
      canary.some((s) => s.if === 'failure()' && /canary-weight=0/.test(s.run ?? '')),
      'a failed canary job takes the canary out of traffic',
    );
  });

  it('GitLab CI: valid YAML, real gate flags, HALT (exit 10) pauses and is not promoted', async () => {
    const [ci] = await yamlDocs('gitlab-ci.yml');
    assert.deepEqual(ci!.stages, ['validate', 'canary', 'monitor', 'promote']);
    const calls = collect(ci, 'script').flatMap(gateCalls);
    assert.equal(calls.length, 4);
    calls.forEach((c, i) => {
      assertValidGateCall(c, `gitlab call ${i}`);
    });
    const job = (name: string) =>
      ci![name] as { script: string[]; after_script?: string[]; allow_failure?: unknown };
    assert.deepEqual(job('monitor').allow_failure, { exit_codes: [10] });
    // A monitor that passed with a warning (HALT) must not reach production: promote asks first.
    const promote = job('promote').script;
    assert.match(promote[0]!, /^breakwater gate /);
    assert.doesNotMatch(promote[0]!, /--wait|--watch/);
    assert.ok(promote.findIndex((l) => /kubectl set image/.test(l)) > 0);
    // Every call that judges the canary rolls it back; a canary job that fails takes it out of traffic.
    const judging = calls.filter((c) => c.includes('--wait') || c.includes('--watch'));
    assert.equal(judging.length, 2);
    assert.ok(judging.every((c) => c.includes('--on-rollback')));
    assert.match(job('canary').after_script?.join('\n') ?? '', /CI_JOB_STATUS.*canary-weight=0/);
    // Every variable a script reads is set somewhere: in `variables:`, by a script (and passed on
    // as a dotenv report), by GitLab (CI_*), or as a CI/CD variable the header asks for.
    const text = await read('gitlab-ci.yml');
    const scripts = ['script', 'after_script', 'before_script'].flatMap((k) => collect(ci, k)).join('\n');
    const assigned = [...scripts.matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]!);
    const declared = [...Object.keys(ci!.variables as object), ...assigned];
    for (const [, name] of scripts.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)) {
      if (name!.startsWith('CI_') || declared.includes(name!)) continue;
      assert.match(text.split('\n', 3).join('\n'), new RegExp(`\\b${name}\\b`), `$${name} is never set`);
    }
    assert.deepEqual((ci!.validate as { artifacts: { reports: unknown } }).artifacts.reports, {
      dotenv: 'current.env',
    });
  });

  it('GitLab CI monitor: takes the canary out of traffic unless it proceeded or halted', async () => {
    const [ci] = await yamlDocs('gitlab-ci.yml');
    const monitor = ci!.monitor as { script: string[]; after_script?: string[] };
    const dir = await mkdtemp(join(tmpdir(), 'gitlab-monitor-'));
    try {
      // Stand-ins: `breakwater` exits with $GATE_EXIT, `kubectl` logs what it was asked.
      await mkdir(join(dir, 'bin'));
      await writeFile(join(dir, 'bin/breakwater'), '#!/bin/sh\nexit "$GATE_EXIT"\n', { mode: 0o755 });
      await writeFile(join(dir, 'bin/kubectl'), '#!/bin/sh\necho "$*" >> kubectl.log\n', { mode: 0o755 });
      const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, SERVICE: 'checkout' };
      // As a GitLab runner does: the script in one shell that stops at the first failing line,
      // then after_script in another, told how the job ended.
      const job = (gateExit: number) => {
        const work = join(dir, String(gateExit));
        mkdirSync(work);
        const script = spawnSync('bash', ['-eo', 'pipefail', '-c', monitor.script.join('\n')], {
          cwd: work,
          env: { ...env, GATE_EXIT: String(gateExit) },
        });
        const status = script.status === 0 ? 'success' : 'failed';
        const after = spawnSync('bash', ['-c', (monitor.after_script ?? []).join('\n')], {
          cwd: work,
          env: { ...env, CI_JOB_STATUS: status },
        });
        assert.equal(after.status, 0, String(after.stderr));
        const log = existsSync(join(work, 'kubectl.log'))
          ? readFileSync(join(work, 'kubectl.log'), 'utf8')
          : '';
        return { exit: script.status, weightZero: /canary-weight=0/.test(log) };
      };
      assert.deepEqual(job(0), { exit: 0, weightZero: false });
      // HALT pauses with the canary serving (allow_failure), for promote to ask again.
      assert.deepEqual(job(10), { exit: 10, weightZero: false });
      // Nothing watches the canary any more: out of traffic.
      assert.deepEqual(job(2), { exit: 2, weightZero: true });
      assert.deepEqual(job(20), { exit: 20, weightZero: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('pipeline.sh: valid bash, three stages, real gate flags', async () => {
    const text = await read('pipeline.sh');
    const syntax = spawnSync('bash', ['-n', join(DIR, 'pipeline.sh')], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
    const calls = gateCalls(text);
    assert.equal(calls.length, 3);
    calls.forEach((c, i) => {
      assertValidGateCall(c, `pipeline call ${i}`);
    });
    assert.ok(calls[1]!.includes('--wait') && calls[2]!.includes('--watch'));
    assert.match(text, /canary-weight=\$1/);
    assert.equal(calls[2]![calls[2]!.indexOf('--watch') + 1], '5m');
  });

  it('Argo AnalysisTemplate: web provider on GET /v1/gate with jsonPath $.decision', async () => {
    const [template, rollout] = await yamlDocs('argo-analysis-template.yaml');
    assert.equal(template!.kind, 'AnalysisTemplate');
    assert.equal(rollout!.kind, 'Rollout');
    const metric = (template!.spec as { metrics: Record<string, unknown>[] }).metrics[0]!;
    const web = (metric.provider as { web: { url: string; jsonPath: string } }).web;
    assert.equal(web.jsonPath, '{$.decision}');
    assert.equal(metric.successCondition, 'result == "PROCEED"');
    assert.equal(metric.failureCondition, 'result == "ROLLBACK"');
    const url = new URL(web.url.replace(/\{\{args\.([\w-]+)\}\}/g, 'x-$1'));
    assert.equal(url.pathname, GATE_PATHS.DECISION);
    assert.ok(parseGateQuery(url.searchParams).ok, web.url);
    // The version asked about is the pod template hash, so the pods' spans must carry it.
    const rolloutSpec = rollout!.spec as {
      template: { spec: { containers: { env?: { name: string; value?: string; valueFrom?: unknown }[] }[] } };
    };
    const env = rolloutSpec.template.spec.containers[0]!.env ?? [];
    assert.deepEqual(env.find((e) => e.name === 'POD_TEMPLATE_HASH')?.valueFrom, {
      fieldRef: { fieldPath: "metadata.labels['rollouts-pod-template-hash']" },
    });
    assert.match(
      env.find((e) => e.name === 'OTEL_RESOURCE_ATTRIBUTES')?.value ?? '',
      /service\.version=\$\(POD_TEMPLATE_HASH\)/,
    );
  });

  it('Flagger Canary: rollout webhook POSTs to /v1/gate with service/version metadata', async () => {
    const [canary] = await yamlDocs('flagger-canary.yaml');
    assert.equal(canary!.kind, 'Canary');
    const hook = (
      canary!.spec as {
        analysis: { webhooks: { type: string; url: string; metadata: Record<string, string> }[] };
      }
    ).analysis.webhooks[0]!;
    assert.equal(hook.type, 'rollout');
    assert.equal(new URL(hook.url).pathname, GATE_PATHS.DECISION);
    const { token, ...metadata } = hook.metadata;
    assert.ok(token);
    assert.ok(parseGateQuery(metadata).ok);
  });
});
