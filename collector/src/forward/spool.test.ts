import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../testing/helpers.ts';
import { ForwardSpool, SpoolOpenError } from './spool.ts';

const request = (n: number) => ({
  signal: 'traces' as const,
  body: Buffer.from(`request-${n}`),
  contentType: 'application/x-protobuf',
  contentEncoding: n % 2 === 0 ? ('gzip' as const) : undefined,
});

describe('forward spool file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'breakwater-spool-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const open = (path: string, logger = silentLogger) =>
    ForwardSpool.open({ path, logger, now: () => Date.UTC(2025, 0, 2, 3, 4, 5), lockTimeoutMs: 50 });

  it('gives back what was appended and not removed, in order and byte for byte, after a reopen', () => {
    const path = join(dir, 'nested', 'order.db');
    const first = open(path);
    assert.deepEqual(first.takeRestored(), []);
    const ids = [1, 2, 3, 4].map((n) => first.append(request(n)));
    first.remove(ids[1]!);
    first.close();
    first.remove(ids[0]!); // after close: a no-op, not a throw

    const second = open(path);
    assert.deepEqual(
      second.takeRestored().map((r) => r.request),
      [request(1), request(3), request(4)],
    );
    assert.deepEqual(second.takeRestored(), [], 'handed out once');
    // New rows come after the restored ones.
    assert.ok(second.append(request(5)) > ids[3]!);
    second.close();
  });

  it("restores rows spooled with the client's own spelling of an encoding under its canonical name", () => {
    const path = join(dir, 'spelling.db');
    const first = open(path);
    const ids = [1, 3].map((n) => first.append(request(n)));
    first.close();
    // Rows as an earlier collector spooled them: the header as the client sent it.
    const db = new DatabaseSync(path);
    const set = db.prepare('UPDATE forward_requests SET content_encoding = ? WHERE id = ?');
    set.run('X-GZIP', ids[0]!);
    set.run('identity', ids[1]!);
    db.close();
    const second = open(path);
    assert.deepEqual(
      second.takeRestored().map((r) => r.request.contentEncoding),
      ['gzip', undefined],
    );
    second.close();
  });

  it('refuses a second opener of the same file with an error naming it', () => {
    const path = join(dir, 'locked.db');
    const holder = open(path);
    try {
      assert.throws(
        () => open(path),
        (error: unknown) =>
          error instanceof SpoolOpenError &&
          error.kind === 'runtime' &&
          error.message ===
            `forward spool ${path} is in use by another collector process or forward entry (one spool file per destination and collector)`,
      );
    } finally {
      holder.close();
    }
    open(path).close(); // free again once the holder closed it
  });

  it('moves an unreadable file aside, logs an error and starts empty', async () => {
    const path = join(dir, 'corrupt.db');
    await writeFile(path, 'this is not a sqlite database, just some bytes '.repeat(100));
    const errors: unknown[] = [];
    const spool = open(path, {
      ...silentLogger,
      error: (obj: object, msg?: string) => errors.push([msg, obj]),
    });
    const aside = `${path}.unreadable-2025-01-02T03-04-05.000Z`;
    try {
      assert.equal(errors.length, 1);
      const [msg, obj] = errors[0] as [string, Record<string, unknown>];
      assert.match(msg, /forward spool unreadable: moved aside/);
      assert.equal(obj.path, path);
      assert.equal(obj.movedTo, aside);
      assert.match(String(obj.err), /not a database/);
      assert.deepEqual(spool.takeRestored(), []);
      spool.append(request(1)); // the new file works
    } finally {
      spool.close();
    }
    assert.match(await readFile(aside, 'utf8'), /^this is not a sqlite database/);
    const names = (await readdir(dir)).filter((n) => n.startsWith('corrupt.db')).sort();
    assert.deepEqual(names, ['corrupt.db', 'corrupt.db.unreadable-2025-01-02T03-04-05.000Z']);
  });

  it('skips a row it cannot read as a request, logs its id once, keeps it in the file and restores the others', () => {
    const path = join(dir, 'bad-row.db');
    const first = open(path);
    const ids = [1, 2, 3, 4].map((n) => first.append(request(n)));
    first.close();
    // Values this collector never spools: a signal of another version, a body stored as text.
    const db = new DatabaseSync(path);
    db.prepare("UPDATE forward_requests SET signal = 'logs' WHERE id = ?").run(ids[1]!);
    db.prepare("UPDATE forward_requests SET body = 'text' WHERE id = ?").run(ids[2]!);
    db.close();
    const errors: [string | undefined, Record<string, unknown>][] = [];
    const second = open(path, {
      ...silentLogger,
      error: (obj: object, msg?: string) => void errors.push([msg, obj as Record<string, unknown>]),
    });
    try {
      assert.deepEqual(
        second.takeRestored().map((r) => r.request),
        [request(1), request(4)],
      );
      assert.deepEqual(
        second.unreadable.map((r) => r.id),
        [ids[1], ids[2]],
      );
      assert.equal(errors.length, 1);
      assert.match(errors[0]![0]!, /forward spool rows unreadable/);
      assert.deepEqual(
        (errors[0]![1].rows as { id: number }[]).map((r) => r.id),
        [ids[1], ids[2]],
      );
    } finally {
      second.close();
    }
    assert.equal(existsSync(`${path}.unreadable-2025-01-02T03-04-05.000Z`), false, 'not set aside');
    const kept = new DatabaseSync(path);
    assert.equal((kept.prepare('SELECT count(*) AS n FROM forward_requests').get() as { n: number }).n, 4);
    kept.close();
  });

  it('restores the other rows when the pages of one row are damaged', async () => {
    const path = join(dir, 'damaged-row.db');
    const first = open(path);
    // Bodies larger than a page: each lives on overflow pages of its own.
    const big = (c: string) => ({ ...request(0), body: Buffer.alloc(200_000, c) });
    for (const c of ['a', 'b', 'c']) first.append(big(c));
    first.close();
    // Breaks the chain of the first overflow page holding the middle body (its first 4 bytes
    // point to the next page), as a torn or bit-flipped page would.
    const file = await readFile(path);
    const page = 65_536;
    let broken = false;
    for (let at = page; at < file.length && !broken; at += page) {
      if (file.subarray(at + 4, at + 1_004).every((b) => b === 0x62)) {
        file.writeUInt32BE(0x7fff_ffff, at);
        broken = true;
      }
    }
    assert.ok(broken, 'found an overflow page of the middle row');
    await writeFile(path, file);
    const second = open(path);
    try {
      assert.deepEqual(
        second.takeRestored().map((r) => r.request.body.toString('latin1', 0, 1)),
        ['a', 'c'],
      );
      assert.equal(second.unreadable.length, 1);
      assert.match(second.unreadable[0]!.reason, /malformed|corrupt/i);
    } finally {
      second.close();
    }
  });

  it('moves aside a SQLite file that holds something else than a spool', async () => {
    const path = join(dir, 'foreign.db');
    const { DatabaseSync } = await import('node:sqlite');
    const foreign = new DatabaseSync(path);
    foreign.exec(
      'CREATE TABLE forward_requests (id INTEGER PRIMARY KEY, other TEXT); INSERT INTO forward_requests VALUES (1, 2)',
    );
    foreign.close();
    let logged = 0;
    const spool = open(path, { ...silentLogger, error: () => void logged++ });
    assert.equal(logged, 1);
    assert.deepEqual(spool.takeRestored(), []);
    spool.close();
  });
});
