/**
 * `npm run demo` end to end: the short story runs from source and exits 0 with every stage in
 * order, and Ctrl-C (SIGINT) mid-story stops every child process it started.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { REPO_ROOT, SOURCE_NODE_ARGS } from '../harness/process.ts';
import { waitFor } from '../harness/wait.ts';

const DEMO = 'examples/demo/run.ts';

interface DemoRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

function runDemo(args: readonly string[]): DemoRun {
  const child = spawn(process.execPath, [...SOURCE_NODE_ARGS, DEMO, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => out, exited };
}

/** Every `pid <n>` the demo logged (fault provider, collector, replicas, canaries). */
function childPids(log: string): number[] {
  return [...log.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stage tags in the order the story tells them. */
const STAGES = [
  'setup',
  '1 healthy',
  '2 outage',
  '3 open',
  '4 heal',
  '4 ramp',
  '4 closed',
  '5 canary',
  'done',
];

function stageOrder(log: string): string[] {
  const seen: string[] = [];
  for (const line of log.split('\n')) {
    const tag = /^\[\+[\d.]+s\]\s+(\S+(?: \S+)?)\s{2,}/.exec(line)?.[1]?.trim();
    if (tag !== undefined && STAGES.includes(tag) && seen.at(-1) !== tag) seen.push(tag);
  }
  return seen;
}

after(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('npm run demo', () => {
  it('plays the short story from source: exit 0, every stage in order, no child left', {
    timeout: 150_000,
  }, async () => {
    const run = runDemo(['--short']);
    const code = await run.exited;
    const log = run.output();
    assert.equal(code, 0, `demo exited ${code}:\n${log}`);
    assert.deepEqual(stageOrder(log), STAGES, log);
    assert.match(log, /status page\s+http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(log, /fleet breaker OPEN for openai\/gpt-4o-mini/);
    assert.match(log, /HALF_OPEN: admitting 10% of calls/);
    assert.match(log, /fleet breaker CLOSED after ramping/);
    // The gate judged both canaries: the faulty v2 rolled back, the healthy v3 proceeds.
    const rollback = log.search(/gate v2 vs v1: ROLLBACK/);
    const proceed = log.search(/gate v3 vs v1: PROCEED/);
    assert.ok(rollback > 0 && proceed > rollback, `expected ROLLBACK for v2, then PROCEED for v3:\n${log}`);
    const pids = childPids(log);
    assert.ok(pids.length >= 6, `expected the child PIDs in the log:\n${log}`);
    assert.deepEqual(pids.filter(alive), [], 'every child process is gone after the demo exits');
    const dataDir = /data dir\s+(\S+)/.exec(log)?.[1];
    assert.ok(dataDir !== undefined && !existsSync(dataDir), `temporary data dir removed: ${dataDir}`);
  });

  it('stops every child process on SIGINT mid-story', { timeout: 90_000 }, async () => {
    const run = runDemo(['--short']);
    await waitFor('the story to reach the outage', () => /2 outage/.test(run.output()), {
      timeoutMs: 60_000,
    });
    const pids = childPids(run.output());
    assert.ok(pids.length >= 5, `fault provider, collector and 3 replicas started:\n${run.output()}`);
    assert.deepEqual(pids.filter(alive), pids, 'children running before the interrupt');
    run.child.kill('SIGINT');
    const code = await run.exited;
    const log = run.output();
    assert.equal(code, 130, `exit code after SIGINT:\n${log}`);
    assert.match(log, /SIGINT: stopping \d+ child processes/);
    assert.deepEqual(pids.filter(alive), [], `no child outlives the demo:\n${log}`);
    const dataDir = /data dir\s+(\S+)/.exec(log)?.[1];
    assert.ok(dataDir !== undefined && !existsSync(dataDir), `temporary data dir removed: ${dataDir}`);
  });
});
