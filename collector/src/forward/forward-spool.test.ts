import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { makeGenAiSpans } from '../../bench/genai-spans.ts';
import { memoryLogger } from '../act/testing/tools.ts';
import { ConfigError } from '../config/config-error.ts';
import { spoolPathOf } from '../config/forward-spool.ts';
import { parseConfig } from '../config/load.ts';
import { ForwardSchema } from '../config/server-section.ts';
import { CollectorService } from '../service.ts';
import { post, silentLogger, startTestService } from '../testing/helpers.ts';
import { Forwarder } from './forwarder.ts';
import { ForwardSpool, SpoolOpenError } from './spool.ts';

/**
 * A downstream that answers the first requests with `first`, one status each, and every other
 * request with `status` (or never, for `hang`).
 */
async function downstream(
  status: number | 'hang' = 200,
  first: number[] = [],
): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString());
      const answer = first.shift() ?? status;
      if (answer === 'hang') return;
      res.writeHead(answer);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A URL nothing listens on: connections are refused, as from a downstream that is down. */
async function deadUrl(): Promise<string> {
  const { url, server } = await downstream();
  await close(server);
  return url;
}

/** Bodies left in a spool file, oldest first (the file must be closed). */
function spooled(path: string): string[] {
  const db = new DatabaseSync(path);
  try {
    const rows = db.prepare('SELECT body FROM forward_requests ORDER BY id').all() as { body: Uint8Array }[];
    return rows.map((r) => Buffer.from(r.body).toString());
  } finally {
    db.close();
  }
}

/** Network I/O needs real turns of the event loop; timers need the manual clock. */
async function until(clock: ManualClock, done: () => boolean, stepMs = 100): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) {
    await clock.advance(stepMs);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.ok(done(), 'condition not reached');
}

/** Runs `stop` to completion while moving the manual clock past its deadlines. */
async function stopWith(clock: ManualClock, stop: () => Promise<void>): Promise<void> {
  let stopped = false;
  const stopping = stop().then(() => {
    stopped = true;
  });
  await until(clock, () => stopped, 500);
  await stopping;
}

const request = (n: number) => ({
  signal: 'traces' as const,
  body: Buffer.from(`request-${n}`),
  contentType: 'application/x-protobuf',
  contentEncoding: undefined,
});

describe('forward spool', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'breakwater-forward-spool-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('requests accepted while the downstream is down survive a stop and start, and are sent once, in order', async () => {
    const spoolPath = join(dir, 'restart.db');
    const clock = new ManualClock();
    const config = (url: string) =>
      `shutdownTimeout: 1s\nforward:\n  - { url: "${url}", spool: true, spoolPath: "${spoolPath}", maxAttempts: 1000, concurrency: 1 }\n`;
    // Distinct JSON bodies, so the order downstream can be checked.
    const bodies = [1, 2, 3].map((n) => `{"resourceSpans":[]${' '.repeat(n)}}`);

    const first = await startTestService(config(await deadUrl()), { components: [], clock });
    for (const body of bodies) {
      assert.equal(
        (await post(`${first.url}/v1/traces`, body, { 'content-type': 'application/json' })).status,
        200,
      );
    }
    const before = first.service.components.find((c) => c.name === 'forward') as Forwarder;
    await stopWith(clock, () => first.close());
    const outcomes = before.destinations[0]!.outcomes;
    assert.equal(outcomes.get('kept_in_spool'), 3);
    assert.equal(outcomes.get('dropped_shutdown'), 0);
    assert.deepEqual(spooled(spoolPath), bodies);

    const down = await downstream();
    const second = await startTestService(config(down.url), { components: [], clock });
    try {
      const late = '{"resourceSpans":[]    }';
      assert.equal(
        (await post(`${second.url}/v1/traces`, late, { 'content-type': 'application/json' })).status,
        200,
      );
      await until(clock, () => down.bodies.length >= 4);
      await stopWith(clock, () => second.close());
      assert.deepEqual(down.bodies, [...bodies, late], 'the spooled requests first, each once');
      assert.deepEqual(spooled(spoolPath), []);
    } finally {
      await close(down.server);
    }
  });

  it('deletes a request once the downstream answered 2xx, and drops one it answered 400', async () => {
    for (const [status, outcome] of [
      [204, 'sent'],
      [400, 'rejected'],
    ] as const) {
      const spoolPath = join(dir, `status-${status}.db`);
      const down = await downstream(status);
      const clock = new ManualClock();
      const forwarder = new Forwarder({
        destinations: [ForwardSchema.parse({ url: down.url, spool: true, spoolPath })],
        clock,
        logger: silentLogger,
      });
      try {
        forwarder.start();
        forwarder.forward(request(1));
        forwarder.forward(request(2));
        const d = forwarder.destinations[0]!;
        await until(clock, () => d.outcomes.get(outcome) === 2);
      } finally {
        await stopWith(clock, () => forwarder.stop());
        await close(down.server);
      }
      assert.deepEqual(spooled(spoolPath), [], `HTTP ${status}`);
    }
  });

  it('applies maxQueueRequests to the spool, also to what it restores', async () => {
    const spoolPath = join(dir, 'bounds.db');
    const hung = await downstream('hang');
    const clock = new ManualClock();
    const options = (maxQueueRequests: number, url: string) => ({
      destinations: [
        ForwardSchema.parse({ url, spool: true, spoolPath, concurrency: 1, maxQueueRequests, timeout: '1h' }),
      ],
      clock,
      logger: silentLogger,
      flushTimeout: '1s',
    });
    const first = new Forwarder(options(3, hung.url));
    first.start();
    for (let n = 1; n <= 10; n++) first.forward(request(n));
    const d = first.destinations[0]!;
    await until(clock, () => hung.bodies.length === 1);
    // One in flight (held by the downstream), three queued, six dropped oldest-first.
    assert.equal(d.outcomes.get('dropped_queue_full'), 6);
    assert.equal(d.queuedRequests, 3);
    await stopWith(clock, () => first.stop());
    await close(hung.server);
    assert.equal(d.outcomes.get('kept_in_spool'), 4);
    assert.deepEqual(spooled(spoolPath), ['request-1', 'request-8', 'request-9', 'request-10']);

    // A restart with the same bound drops nothing: the one that was in flight keeps its room.
    const copy = join(dir, 'bounds-copy.db');
    await copyFile(spoolPath, copy);
    const same = new Forwarder({
      clock,
      logger: silentLogger,
      destinations: [
        ForwardSchema.parse({
          url: hung.url,
          spool: true,
          spoolPath: copy,
          concurrency: 1,
          maxQueueRequests: 3,
        }),
      ],
    });
    assert.equal(same.destinations[0]!.outcomes.get('dropped_queue_full'), 0);
    assert.equal(same.destinations[0]!.queuedRequests, 4);
    await same.stop(); // never started: returns at once, keeping all four
    assert.equal(spooled(copy).length, 4);

    // A restart with a smaller bound drops the oldest restored requests, counted as today.
    const down = await downstream();
    const second = new Forwarder(options(2, down.url));
    const restarted = second.destinations[0]!;
    assert.equal(restarted.outcomes.get('dropped_queue_full'), 1);
    assert.equal(restarted.queuedRequests, 3);
    second.start();
    await until(clock, () => restarted.outcomes.get('sent') === 3);
    await stopWith(clock, () => second.stop());
    await close(down.server);
    assert.deepEqual(down.bodies, ['request-8', 'request-9', 'request-10']);
    assert.deepEqual(spooled(spoolPath), []);
  });

  it('a restart with a queue full by bytes drops nothing: the request that was in flight keeps its room', async () => {
    const spoolPath = join(dir, 'bytes.db');
    const hung = await downstream('hang');
    const clock = new ManualClock();
    // Three 9-byte bodies fill the queue; the fourth drops the oldest queued one.
    const options = (url: string) => ({
      destinations: [
        ForwardSchema.parse({
          url,
          spool: true,
          spoolPath,
          concurrency: 1,
          maxQueueBytes: 30,
          timeout: '1h',
        }),
      ],
      clock,
      logger: silentLogger,
      flushTimeout: '1s',
    });
    const first = new Forwarder(options(hung.url));
    first.start();
    for (let n = 1; n <= 5; n++) first.forward(request(n));
    await until(clock, () => hung.bodies.length === 1);
    assert.equal(first.destinations[0]!.outcomes.get('dropped_queue_full'), 1);
    await stopWith(clock, () => first.stop());
    await close(hung.server);
    assert.deepEqual(spooled(spoolPath), ['request-1', 'request-3', 'request-4', 'request-5']);

    const down = await downstream();
    const second = new Forwarder(options(down.url));
    const restarted = second.destinations[0]!;
    try {
      assert.equal(restarted.outcomes.get('dropped_queue_full'), 0);
      second.start();
      await until(clock, () => restarted.outcomes.get('sent') === 4);
    } finally {
      await stopWith(clock, () => second.stop());
      await close(down.server);
    }
    assert.deepEqual(down.bodies, ['request-1', 'request-3', 'request-4', 'request-5']);
  });

  it('a graceful stop while the downstream is down keeps every spooled request, however few attempts are left', async () => {
    const spoolPath = join(dir, 'outage.db');
    const clock = new ManualClock();
    const forwarder = new Forwarder({
      destinations: [ForwardSchema.parse({ url: await deadUrl(), spool: true, spoolPath, maxAttempts: 2 })],
      clock,
      logger: silentLogger,
      flushTimeout: '10s',
      // The longest first back-off (500 ms): a jitter near 0 would let a request spend its last
      // attempt while the clock is stepped below, and drop it before the stop this test is about.
      random: () => 1,
    });
    forwarder.start();
    for (let n = 1; n <= 6; n++) forwarder.forward(request(n));
    const d = forwarder.destinations[0]!;
    // Each has failed once and backs off: one attempt left.
    await until(clock, () => d.retries >= 2, 1);
    await stopWith(clock, () => forwarder.stop());
    assert.equal(d.outcomes.get('dropped_retries_exhausted'), 0);
    assert.equal(d.outcomes.get('kept_in_spool'), 6);
    assert.deepEqual(
      spooled(spoolPath),
      [1, 2, 3, 4, 5, 6].map((n) => `request-${n}`),
    );
  });

  it('a request that fails during the shutdown drain keeps its place: the next start sends it before those behind it (concurrency 1)', async () => {
    const spoolPath = join(dir, 'drain-order.db');
    const clock = new ManualClock();
    // One 503, then 200 for everything: the downstream is back as the stop begins.
    const down = await downstream(200, [503]);
    const forwarder = (): Forwarder =>
      new Forwarder({
        destinations: [
          ForwardSchema.parse({ url: down.url, spool: true, spoolPath, maxAttempts: 5, concurrency: 1 }),
        ],
        clock,
        logger: silentLogger,
        flushTimeout: '10s',
        random: () => 1,
      });
    try {
      const first = forwarder();
      first.start();
      for (let n = 1; n <= 3; n++) first.forward(request(n));
      const d = first.destinations[0]!;
      // request-1 got its 503 and backs off; the stop wakes it and keeps it for the next start.
      await until(clock, () => d.retries >= 1, 1);
      await stopWith(clock, () => first.stop());
      assert.deepEqual(down.bodies, ['request-1'], 'nothing behind the kept request overtook it');
      assert.equal(d.outcomes.get('kept_in_spool'), 3);
      assert.deepEqual(spooled(spoolPath), ['request-1', 'request-2', 'request-3']);

      const second = forwarder();
      second.start();
      await until(clock, () => down.bodies.length >= 4);
      await stopWith(clock, () => second.stop());
      assert.deepEqual(down.bodies, ['request-1', 'request-1', 'request-2', 'request-3']);
      assert.deepEqual(spooled(spoolPath), []);
    } finally {
      await close(down.server);
    }
  });

  it('stopping a forwarder that never started (a start that failed part-way) keeps its spool at once', async () => {
    const spoolPath = join(dir, 'unstarted.db');
    const clock = new ManualClock();
    const options = {
      destinations: [ForwardSchema.parse({ url: await deadUrl(), spool: true, spoolPath })],
      clock,
      logger: silentLogger,
      flushTimeout: '1h',
    };
    const first = new Forwarder(options);
    first.forward(request(1));
    first.forward(request(2));
    await first.stop(); // the manual clock never moves: a stop that waited would not return
    const restored = new Forwarder(options);
    assert.equal(restored.destinations[0]!.queuedRequests, 2);
    await restored.stop();
    assert.equal(restored.destinations[0]!.outcomes.get('kept_in_spool'), 2);
    assert.deepEqual(spooled(spoolPath), ['request-1', 'request-2']);
  });

  it('counts spool writes that fail (disk full) on /metrics, per destination, while logging them once', async () => {
    // Each such request is refused (the receiver answers 503): nothing is queued for it.
    const url = await deadUrl();
    const logger = memoryLogger();
    // Never started: nothing is sent, the requests stay queued.
    const forwarder = new Forwarder({
      destinations: [ForwardSchema.parse({ url, spool: true, spoolPath: join(dir, 'full.db') })],
      clock: new ManualClock(),
      logger,
    });
    try {
      // A spool whose file is gone from under it fails every write, as a full disk does.
      const spool = (forwarder.destinations[0] as unknown as { spool: ForwardSpool }).spool;
      spool.close();
      for (const n of [1, 2, 3]) assert.equal(forwarder.forward(request(n)), false);
      assert.equal(forwarder.destinations[0]!.queuedRequests, 0);
      const metrics: string[] = [];
      forwarder.writeMetrics(metrics);
      assert.ok(
        metrics.includes(`breakwater_forward_spool_failures_total{destination="${url}",operation="write"} 3`),
        metrics.join('\n'),
      );
      assert.equal(logger.lines.filter((l) => /forward spool cannot be written/.test(l.msg ?? '')).length, 1);
    } finally {
      await forwarder.stop();
    }
  });

  it('does not say the spool works again while its writes still fail and only its deletes go through', async () => {
    // A full disk can still take a DELETE (a few pages, in a WAL already that large) while it
    // refuses a whole request's INSERT.
    const down = await downstream();
    const clock = new ManualClock();
    const logger = memoryLogger();
    const forwarder = new Forwarder({
      destinations: [
        ForwardSchema.parse({ url: down.url, spool: true, spoolPath: join(dir, 'half-full.db') }),
      ],
      clock,
      logger,
    });
    try {
      for (const n of [1, 2]) assert.equal(forwarder.forward(request(n)), true);
      const spool = (forwarder.destinations[0] as unknown as { spool: ForwardSpool }).spool;
      spool.append = () => {
        throw new Error('database or disk is full');
      };
      assert.equal(forwarder.forward(request(3)), false);
      // Requests 1 and 2 are sent and their rows deleted, while writes still fail.
      forwarder.start();
      await until(clock, () => forwarder.destinations[0]!.outcomes.get('sent') === 2);
      assert.equal(forwarder.forward(request(4)), false);
      assert.deepEqual(
        logger.lines.filter((l) => /forward spool (cannot|works)/.test(l.msg ?? '')).map((l) => l.msg),
        ['forward spool cannot be written: OTLP exports are refused with 503 until it can'],
      );
    } finally {
      await stopWith(clock, () => forwarder.stop());
      await close(down.server);
    }
  });

  it('queues the rows of the spool it can read and counts the others on /metrics', async () => {
    const spoolPath = join(dir, 'bad-row.db');
    const url = await deadUrl();
    const options = {
      destinations: [ForwardSchema.parse({ url, spool: true, spoolPath })],
      clock: new ManualClock(),
      logger: silentLogger,
    };
    const first = new Forwarder(options);
    for (const n of [1, 2, 3]) first.forward(request(n));
    await first.stop();
    const db = new DatabaseSync(spoolPath);
    db.exec("UPDATE forward_requests SET signal = 'logs' WHERE body = CAST('request-2' AS BLOB)");
    db.close();
    const second = new Forwarder(options);
    try {
      assert.equal(second.destinations[0]!.queuedRequests, 2);
      const metrics: string[] = [];
      second.writeMetrics(metrics);
      assert.ok(
        metrics.includes(`breakwater_forward_spool_failures_total{destination="${url}",operation="read"} 1`),
        metrics.join('\n'),
      );
    } finally {
      await second.stop();
    }
    assert.deepEqual(spooled(spoolPath), ['request-1', 'request-2', 'request-3']);
  });

  it('refuses an export with 503 while a spool cannot write it: nothing recorded, forwarded or left in any spool', async () => {
    const ok = join(dir, 'refuse-ok.db');
    const full = join(dir, 'refuse-full.db');
    const down = await downstream();
    const t = await startTestService(
      `forward:\n  - { url: "${down.url}/ok", spool: true, spoolPath: "${ok}" }\n  - { url: "${down.url}/full", spool: true, spoolPath: "${full}" }\n`,
    );
    try {
      const forwarder = t.service.components.find((c) => c.name === 'forward') as Forwarder;
      // A spool whose file is gone from under it fails every write, as a full disk does.
      (forwarder.destinations[1] as unknown as { spool: ForwardSpool }).spool.close();
      const body = ProtobufTraceSerializer.serializeRequest(await makeGenAiSpans({ spans: 3, services: 1 }))!;
      const response = await post(`${t.url}/v1/traces`, body, { 'content-type': 'application/x-protobuf' });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '2');
      assert.deepEqual(t.recorder.spans, [], 'not recorded: the retry must not be taken for a duplicate');
      assert.equal(forwarder.destinations[0]!.queuedRequests, 0);
      assert.equal(forwarder.destinations[1]!.spoolFailures.write, 1);
    } finally {
      await t.close();
      await close(down.server);
    }
    assert.deepEqual(down.bodies, []);
    assert.deepEqual(spooled(ok), [], 'the row held for the refused request was deleted');
  });

  it('deletes the spool row held for a request a sink then failed, and forwards nothing', async () => {
    const spoolPath = join(dir, 'sink-failed.db');
    const down = await downstream();
    const t = await startTestService(
      `forward:\n  - { url: "${down.url}", spool: true, spoolPath: "${spoolPath}" }\n`,
    );
    try {
      t.recorder.fail = new Error('disk full');
      const body = ProtobufTraceSerializer.serializeRequest(await makeGenAiSpans({ spans: 3, services: 1 }))!;
      const response = await post(`${t.url}/v1/traces`, body, { 'content-type': 'application/x-protobuf' });
      assert.equal(response.status, 503);
    } finally {
      await t.close();
      await close(down.server);
    }
    assert.deepEqual(down.bodies, []);
    assert.deepEqual(spooled(spoolPath), []);
  });

  it('a collector finding an unreadable spool moves it aside and starts', async () => {
    const spoolPath = join(dir, 'corrupt', 'spool.db');
    await mkdir(join(dir, 'corrupt'));
    await writeFile(spoolPath, Buffer.alloc(8192, 0xab));
    const down = await downstream();
    const t = await startTestService(
      `forward:\n  - { url: "${down.url}", spool: true, spoolPath: "${spoolPath}" }\n`,
      { components: [] },
    );
    try {
      assert.equal(
        (await post(`${t.url}/v1/traces`, '{}', { 'content-type': 'application/json' })).status,
        200,
      );
    } finally {
      await t.close();
      await close(down.server);
    }
    const names = await readdir(join(dir, 'corrupt'));
    assert.deepEqual(
      names.filter((n) => n.startsWith('spool.db.unreadable-')).length,
      1,
      `set aside: ${names.join(', ')}`,
    );
    assert.deepEqual(down.bodies, ['{}']);
  });

  it('refuses a spool it cannot open at all, naming it, and leaves it where it is', async () => {
    const spoolPath = join(dir, 'a-directory.db');
    await mkdir(spoolPath);
    await writeFile(join(spoolPath, 'keep'), 'x');
    assert.throws(
      () =>
        new Forwarder({
          destinations: [ForwardSchema.parse({ url: 'http://127.0.0.1:9', spool: true, spoolPath })],
          clock: new ManualClock(),
          logger: silentLogger,
        }),
      (error: unknown) =>
        error instanceof SpoolOpenError &&
        error.message.startsWith(`cannot open forward spool ${spoolPath}: `),
    );
    assert.deepEqual(await readdir(spoolPath), ['keep']);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith('a-directory.db.unreadable')),
      [],
    );
  });

  it('refuses a spool file another forwarder holds, naming it, and closes the spools it opened', async () => {
    const free = join(dir, 'free.db');
    const held = join(dir, 'held.db');
    const clock = new ManualClock();
    const options = (paths: string[]) => ({
      destinations: paths.map((spoolPath, i) =>
        ForwardSchema.parse({ url: `http://127.0.0.1:9/${i}`, spool: true, spoolPath }),
      ),
      clock,
      logger: silentLogger,
      spoolLockTimeoutMs: 20,
    });
    const holder = new Forwarder(options([held]));
    try {
      assert.throws(
        () => new Forwarder(options([free, held])),
        (error: unknown) =>
          error instanceof SpoolOpenError &&
          error.message.startsWith(`forward spool ${held} is in use by another`),
      );
      ForwardSpool.open({ path: free, logger: silentLogger, now: () => 0, lockTimeoutMs: 20 }).close(); // not left locked by the failed start
    } finally {
      await stopWith(clock, () => holder.stop());
    }
  });

  it('without spoolPath, names the file after the endpoint: other spellings and credentials keep it', async () => {
    const data = await mkdtemp(join(dir, 'names-'));
    const path = (url: string) => spoolPathOf({ url }, data);
    const endpoint = path('http://tempo:4318/otlp');
    for (const same of [
      'http://tempo:4318/otlp/',
      'HTTP://Tempo:4318/otlp',
      'http://user:secret@tempo:4318/otlp',
      'http://tempo:4318/otlp#x',
    ]) {
      assert.equal(path(same), endpoint, same);
    }
    for (const other of ['http://tempo:4319/otlp', 'http://tempo:4318/other', 'https://tempo:4318/otlp']) {
      assert.notEqual(path(other), endpoint, other);
    }
    assert.equal(path('http://tempo:80'), path('http://tempo'));

    // A file an older collector named after the URL as written is kept in use...
    const written = 'http://tempo:4318/otlp/';
    const legacy = join(
      data,
      `forward-spool-${createHash('sha256').update(written).digest('hex').slice(0, 16)}.db`,
    );
    await writeFile(legacy, '');
    assert.equal(path(written), legacy);
    // ...until a file named after the endpoint exists.
    await writeFile(endpoint, '');
    assert.equal(path(written), endpoint);
  });

  it('warns at start about a spool in the data directory that no entry uses and that holds requests', async () => {
    const data = await mkdtemp(join(dir, 'unused-'));
    const spoolOf = async (url: string, requests: number) => {
      const old = new Forwarder({
        destinations: [ForwardSchema.parse({ url, spool: true })],
        clock: new ManualClock(),
        logger: silentLogger,
        dataDir: data,
      });
      for (let n = 1; n <= requests; n++) old.forward(request(n));
      await old.stop(); // never started: keeps them
      return old.destinations[0]!.spoolPath!;
    };
    const moved = await spoolOf('http://127.0.0.1:9/old-tempo', 2);
    await spoolOf('http://127.0.0.1:9/drained', 0);
    // The URL changed since: the old file is not the new entry's.
    const logger = memoryLogger();
    const config = parseConfig(
      {
        name: 'test.yaml',
        text: `listen: 127.0.0.1:0\ndataDir: ${data}\nforward:\n  - { url: "http://127.0.0.1:9/new-tempo", spool: true }\n`,
      },
      {},
    );
    const service = await CollectorService.start({ config, logger, components: [] });
    await service.shutdown();
    const warned = logger.lines.filter((l) => /spool used by no forward entry/.test(l.msg ?? ''));
    assert.deepEqual(
      warned.map((l) => [l.level, l.obj]),
      [['warn', { path: moved, requests: 2 }]],
    );
  });

  it('without spoolPath, spools in the data directory', async () => {
    const down = await downstream();
    const t = await startTestService(`forward:\n  - { url: "${down.url}", spool: true }\n`, {
      components: [],
    });
    try {
      const forwarder = t.service.components.find((c) => c.name === 'forward') as Forwarder;
      const path = forwarder.destinations[0]!.spoolPath!;
      assert.match(basename(path), /^forward-spool-[0-9a-f]{16}\.db$/);
      assert.ok((await readdir(dirname(path))).includes(basename(path)));
    } finally {
      await t.close();
      await close(down.server);
    }
  });
});

describe('forward spool config', () => {
  const problems = (text: string): string[] => {
    try {
      parseConfig({ name: 'collector.yaml', text }, {});
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.message.split('\n');
    }
    assert.fail('expected a ConfigError');
  };

  it('is off by default', () => {
    const forward = ForwardSchema.parse({ url: 'http://tempo:4318' });
    assert.equal(forward.spool, false);
    assert.equal(forward.spoolPath, undefined);
  });

  it('names the key: spoolPath without spool, an empty spoolPath, two entries on one file', () => {
    assert.deepEqual(problems('forward:\n  - { url: "http://tempo:4318", spoolPath: /var/spool.db }'), [
      'collector.yaml:2:44: forward[0].spoolPath: only used with spool: true (set spool: true, or remove spoolPath)',
    ]);
    assert.deepEqual(problems('forward:\n  - { url: "http://tempo:4318", spool: true, spoolPath: "" }'), [
      'collector.yaml:2:57: forward[0].spoolPath: Too small: expected string to have >=1 characters',
    ]);
    assert.deepEqual(
      problems(
        'forward:\n  - { url: "http://tempo:4318", spool: true }\n  - { url: "http://TEMPO:4318/", spool: true }',
      ),
      [
        'collector.yaml:3:5: forward[1].spoolPath: forward[0] spools to the same file: give each spooling entry its own spoolPath',
      ],
    );
    assert.deepEqual(problems('forward:\n  - { url: "http://tempo:4318", spool: "yes" }'), [
      'collector.yaml:2:40: forward[0].spool: Invalid input: expected boolean, received string',
    ]);
  });
});
