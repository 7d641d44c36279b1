/**
 * Nothing acknowledged is lost: OTLP requests stream into a real collector process, which is
 * killed with SIGKILL mid-stream; a new collector on the same data directory must count every
 * span whose request was answered 200 (and never more than were sent).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type SloList, SloListSchema } from '@breakwater/protocol';
import { freePort } from '../harness/ports.ts';
import { type RunningProcess, startNode, stopAll } from '../harness/process.ts';

const SPANS_PER_REQUEST = 50;
const SERVICE = 'durable-agent';

let dir: string;
let port: number;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'breakwater-durability-'));
  port = await freePort();
});

after(async () => {
  await stopAll();
  await rm(dir, { recursive: true, force: true });
});

function serve(): Promise<RunningProcess> {
  const url = `http://127.0.0.1:${port}`;
  return startNode(
    [
      'collector/src/cli/main.ts',
      'serve',
      '--listen',
      `127.0.0.1:${port}`,
      '--data-dir',
      dir,
      '--log-level',
      'warn',
    ],
    { readyUrl: `${url}/readyz`, name: 'collector' },
  );
}

/** One OTLP/JSON export request of successful chat spans that ended just now. */
function request(): string {
  const end = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: SPANS_PER_REQUEST }, () => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: String(end - 5_000_000n),
    endTimeUnixNano: String(end),
    attributes: [
      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
      { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
      { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
    ],
    status: { code: 1 },
  }));
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: SERVICE } }] },
        scopeSpans: [{ scope: { name: 'durability-test' }, spans }],
      },
    ],
  });
}

async function countedSpans(): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/slos`);
  assert.equal(response.status, 200);
  const list: SloList = SloListSchema.parse(await response.json());
  const availability = list.slos.find((s) => s.name === 'availability');
  assert.ok(availability, 'the default availability SLO is there');
  let total = 0;
  for (const group of availability.groups) {
    if (group.service !== SERVICE || group.version !== undefined) continue;
    total += group.windows.find((w) => w.window === availability.window)?.total ?? 0;
  }
  return total;
}

it('counts every acknowledged span after the collector is killed with SIGKILL mid-ingest', async () => {
  const first = await serve();
  let acknowledged = 0;
  let sent = 0;
  let killed = false;
  // Four senders keep requests in flight, so the kill lands in the middle of ingest.
  const sender = async () => {
    while (!killed) {
      sent += SPANS_PER_REQUEST;
      const response = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: request(),
      }).catch(() => undefined);
      if (response?.status === 200) acknowledged += SPANS_PER_REQUEST;
      await response?.arrayBuffer().catch(() => undefined);
    }
  };
  const senders = Array.from({ length: 4 }, sender);
  while (acknowledged < 4_000) await new Promise((r) => setTimeout(r, 5));
  await first.kill9();
  killed = true;
  await Promise.all(senders);

  await serve();
  const counted = await countedSpans();
  assert.ok(counted >= acknowledged, `acknowledged ${acknowledged} spans, counted ${counted} after kill -9`);
  assert.ok(counted <= sent, `counted ${counted} spans but only ${sent} were sent`);
});
