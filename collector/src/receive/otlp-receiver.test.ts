import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { ExportResultCode } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import protobuf from 'protobufjs';
import { makeGenAiSpans } from '../../bench/genai-spans.ts';
import { memoryLogger } from '../act/testing/tools.ts';
import { exportWith, post, startTestService, type TestService } from '../testing/helpers.ts';
import { DECODED_SPAN_BYTES } from './admission.ts';
import { estimateJsonTreeBytes } from './json-tree-estimate.ts';

const PROTO = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

/** Decodes a google.rpc.Status protobuf body (code = 1, message = 2). */
function decodeStatus(bytes: Uint8Array): { code: number; message: string } {
  const reader = protobuf.Reader.create(bytes);
  let code = 0;
  let message = '';
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) code = reader.int32();
    else if (tag >>> 3 === 2) message = reader.string();
    else reader.skipType(tag & 7);
  }
  return { code, message };
}

describe('OTLP/HTTP receiver', () => {
  let t: TestService;
  let spans: ReadableSpan[];
  let protoBody: Uint8Array;
  let jsonBody: Uint8Array;

  before(async () => {
    t = await startTestService('limits: { maxBodyBytes: 1048576 }');
    spans = await makeGenAiSpans({ spans: 200, services: 4, errorRatio: 0.1 });
    protoBody = ProtobufTraceSerializer.serializeRequest(spans)!;
    jsonBody = JsonTraceSerializer.serializeRequest(spans)!;
  });
  after(async () => {
    await t.close();
  });

  it('ingests from the real protobuf and JSON exporters with identical records', async () => {
    t.recorder.spans.length = 0;
    const proto = await exportWith('proto', t.url, spans);
    assert.equal(proto.code, ExportResultCode.SUCCESS, String(proto.error));
    const fromProto = t.recorder.spans.splice(0);
    // The same spans again to the same collector would be a resend: counted once, so not recorded.
    const other = await startTestService();
    let fromJson: typeof fromProto;
    try {
      const json = await exportWith('json', other.url, spans);
      assert.equal(json.code, ExportResultCode.SUCCESS, String(json.error));
      fromJson = other.recorder.spans.splice(0);
    } finally {
      await other.close();
    }
    assert.equal(fromProto.length, 200);
    assert.deepEqual(fromJson, fromProto);
    const errored = fromProto.filter((s) => s.statusCode === 2);
    assert.ok(errored.length > 0);
    assert.ok(errored.every((s) => s.errorCategory !== undefined && s.errorSource !== undefined));
    const first = spans[0]!;
    const record = fromProto.find((s) => s.spanId === first.spanContext().spanId)!;
    assert.equal(record.traceId, first.spanContext().traceId);
    assert.equal(record.name, first.name);
    assert.equal(record.service, first.resource.attributes['service.name']);
    assert.equal(record.durationMs, (first.duration[0] * 1e9 + first.duration[1]) / 1e6);
  });

  it('accepts gzip from the real exporters', async () => {
    const proto = await exportWith('proto', t.url, spans.slice(0, 10), {}, 'gzip');
    const json = await exportWith('json', t.url, spans.slice(10, 20), {}, 'gzip');
    assert.equal(proto.code, ExportResultCode.SUCCESS);
    assert.equal(json.code, ExportResultCode.SUCCESS);
    assert.equal(t.recorder.spans.splice(0).length, 20);
  });

  it('accepts a deflate body (one zlib stream)', async () => {
    // Spans no other test sends (a batch seen before is answered but not recorded again).
    const body = ProtobufTraceSerializer.serializeRequest(spans.slice(30, 40))!;
    const response = await post(`${t.url}/v1/traces`, deflateSync(body), {
      ...PROTO,
      'content-encoding': 'deflate',
    });
    assert.equal(response.status, 200);
    assert.equal(t.recorder.spans.splice(0).length, 10);
  });

  it('answers in the request encoding: empty protobuf response, {} for JSON', async () => {
    const p = await post(`${t.url}/v1/traces`, protoBody, PROTO);
    assert.equal(p.status, 200);
    assert.equal(p.headers.get('content-type'), 'application/x-protobuf');
    assert.equal(p.body.length, 0);
    const j = await post(`${t.url}/v1/traces`, jsonBody, JSON_CT);
    assert.equal(j.status, 200);
    assert.equal(j.headers.get('content-type'), 'application/json');
    assert.deepEqual(JSON.parse(Buffer.from(j.body).toString()), {});
    t.recorder.spans.length = 0;
  });

  it('reports partial_success for spans with bad ids (JSON and protobuf)', async () => {
    const doc = JSON.parse(Buffer.from(jsonBody).toString());
    const list = doc.resourceSpans[0].scopeSpans[0].spans;
    list[0].traceId = 'abc';
    list[1].spanId = '0000000000000000';
    const j = await post(`${t.url}/v1/traces`, JSON.stringify(doc), JSON_CT);
    assert.equal(j.status, 200);
    const body = JSON.parse(Buffer.from(j.body).toString());
    assert.equal(body.partialSuccess.rejectedSpans, '2');
    assert.match(body.partialSuccess.errorMessage, /2 spans rejected; first: invalid traceId/);
    assert.equal(t.recorder.spans.splice(0).length, 198);

    // protobuf: a span whose trace_id is 3 bytes long
    const root = protobuf.loadSync(new URL('../../bench/otlp-trace.proto', import.meta.url).pathname);
    const Request = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');
    const message = Request.decode(protoBody) as unknown as {
      resourceSpans: { scopeSpans: { spans: { traceId: Uint8Array }[] }[] }[];
    };
    message.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId = Uint8Array.of(1, 2, 3);
    const p = await post(`${t.url}/v1/traces`, Request.encode(message as never).finish(), PROTO);
    assert.equal(p.status, 200);
    const Response = protobuf
      .parse(
        'syntax="proto3"; message P { int64 rejected_spans = 1; string error_message = 2; } message R { P partial_success = 1; }',
      )
      .root.lookupType('R');
    const response = Response.toObject(Response.decode(p.body), { longs: Number }) as {
      partialSuccess: { rejectedSpans: number; errorMessage: string };
    };
    assert.equal(response.partialSuccess.rejectedSpans, 1);
    assert.match(response.partialSuccess.errorMessage, /invalid trace_id/);
    assert.equal(t.recorder.spans.splice(0).length, 199);
  });

  describe('malformed bodies: 4xx, nothing recorded, still healthy', () => {
    const deepJson = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const deepAttr = `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":${'{"arrayValue":{"values":['.repeat(5000)}${']}}'.repeat(5000)}}]}}]}`;
    const cases: [
      string,
      () => { body: Uint8Array | string; headers: Record<string, string> },
      number,
      RegExp,
    ][] = [
      [
        'truncated protobuf',
        () => ({ body: protoBody.subarray(0, protoBody.length - 7), headers: PROTO }),
        400,
        /truncated/,
      ],
      // field 1 (resource_spans) as a varint instead of a message
      ['wrong wire type', () => ({ body: Uint8Array.of(0x08, 0x01), headers: PROTO }), 400, /wire type 0/],
      // wire type 7 does not exist
      [
        'invalid wire type',
        () => ({ body: Uint8Array.of(0x0f, 0x01), headers: PROTO }),
        400,
        /bad field tag/,
      ],
      [
        'garbage protobuf',
        () => ({ body: Uint8Array.from({ length: 64 }, (_, i) => (i * 37) | 0x80), headers: PROTO }),
        400,
        /invalid protobuf/,
      ],
      [
        'bad gzip',
        () => ({
          body: Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3),
          headers: { ...PROTO, 'content-encoding': 'gzip' },
        }),
        400,
        /invalid gzip/,
      ],
      [
        'truncated gzip',
        () => ({
          body: gzipSync(protoBody).subarray(0, 100),
          headers: { ...PROTO, 'content-encoding': 'gzip' },
        }),
        400,
        /invalid gzip/,
      ],
      [
        'deflate with bytes after its stream (a second one, never read)',
        () => ({
          body: Buffer.concat([deflateSync(protoBody), deflateSync(protoBody)]),
          headers: { ...PROTO, 'content-encoding': 'deflate' },
        }),
        400,
        /invalid deflate body: \d+ bytes after the end/,
      ],
      [
        'gzip bomb',
        () => ({
          body: gzipSync(Buffer.alloc(4 * 1048576)),
          headers: { ...PROTO, 'content-encoding': 'gzip' },
        }),
        413,
        /limit after decompression/,
      ],
      ['oversize body', () => ({ body: new Uint8Array(1048577), headers: PROTO }), 413, /limit/],
      // an unknown field 2 as a group (wire type 3), each opening another: hostile, not a crash
      [
        'protobuf groups nested 200 000 deep',
        () => ({ body: new Uint8Array(200_000).fill((2 << 3) | 3), headers: PROTO }),
        400,
        /groups nested deeper than 100/,
      ],
      ['invalid JSON', () => ({ body: '{"resourceSpans": [', headers: JSON_CT }), 400, /invalid JSON/],
      ['deeply nested JSON', () => ({ body: deepJson, headers: JSON_CT }), 400, /must be a JSON object/],
      [
        'JSON of the wrong shape',
        () => ({ body: '{"resourceSpans": {"a": 1}}', headers: JSON_CT }),
        400,
        /resourceSpans must be an array/,
      ],
      [
        'JSON span with a numeric name',
        () => ({ body: '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]}', headers: JSON_CT }),
        400,
        /name must be a string/,
      ],
      [
        'wrong content type',
        () => ({ body: 'hello', headers: { 'content-type': 'text/plain' } }),
        415,
        /unsupported content type/,
      ],
      [
        'unknown content encoding',
        () => ({ body: protoBody, headers: { ...PROTO, 'content-encoding': 'br' } }),
        415,
        /unsupported content encoding "br": use gzip, deflate or none/,
      ],
    ];
    for (const [name, make, status, message] of cases) {
      it(name, async () => {
        const { body, headers } = make();
        const response = await post(`${t.url}/v1/traces`, body, headers);
        assert.equal(response.status, status);
        const json = headers['content-type'] !== PROTO['content-type'];
        const decoded = json
          ? JSON.parse(Buffer.from(response.body).toString())
          : decodeStatus(response.body);
        assert.match(decoded.message, message);
        assert.ok(decoded.code > 0);
        assert.equal(t.recorder.spans.length, 0);
        const health = await fetch(`${t.url}/healthz`);
        assert.equal(health.status, 200);
      });
    }
    it('metrics: protobuf groups nested 200 000 deep are a 400, not a 503 to retry forever', async () => {
      const body = new Uint8Array(200_000).fill((2 << 3) | 3);
      const response = await post(`${t.url}/v1/metrics`, body, PROTO);
      assert.equal(response.status, 400);
      assert.match(decodeStatus(response.body).message, /groups nested deeper than 100/);
      assert.equal(response.headers.get('retry-after'), null);
    });
    it('deep AnyValue nesting is ignored (not a crash)', async () => {
      const response = await post(`${t.url}/v1/traces`, deepAttr, JSON_CT);
      assert.equal(response.status, 200);
    });
    it('a Content-Length beyond the limit is refused before reading', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${t.url}/v1/traces`, {
          method: 'POST',
          headers: { ...PROTO, 'content-length': String(64 * 1048576) },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        req.on('error', reject);
        req.flushHeaders();
      });
      assert.equal(status, 413);
    });
  });

  it('a failing sink gets 503 with Retry-After and nothing is acknowledged', async () => {
    t.recorder.fail = new Error('disk full');
    try {
      const fresh = ProtobufTraceSerializer.serializeRequest(
        await makeGenAiSpans({ spans: 5, services: 1 }),
      )!;
      const response = await post(`${t.url}/v1/traces`, fresh, PROTO);
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '2');
      assert.equal(decodeStatus(response.body).code, 14);
    } finally {
      t.recorder.fail = undefined;
    }
  });
});

describe('a batch sent again', () => {
  it('is answered as before but recorded and counted once, also while the original is still being recorded', async () => {
    const t = await startTestService();
    try {
      const spans = await makeGenAiSpans({ spans: 10, services: 1 });
      // One span with a bad id: the resend gets the same partial success as the original.
      const body = JsonTraceSerializer.serializeRequest(spans)!;
      const json = JSON.parse(Buffer.from(body).toString()) as {
        resourceSpans: { scopeSpans: { spans: { spanId: string }[] }[] }[];
      };
      json.resourceSpans[0]!.scopeSpans[0]!.spans[4]!.spanId = 'zz';
      const sent = JSON.stringify(json);
      const original = await post(`${t.url}/v1/traces`, sent, JSON_CT);
      assert.equal(original.status, 200);
      const again = await post(`${t.url}/v1/traces`, sent, JSON_CT);
      assert.equal(again.status, 200);
      assert.deepEqual(Buffer.from(again.body).toString(), Buffer.from(original.body).toString());
      assert.match(Buffer.from(again.body).toString(), /"rejectedSpans":"?1/);
      assert.equal(t.recorder.spans.length, 9);

      // A resend that arrives while the original waits in the sink is held, then not recorded.
      let open!: () => void;
      t.recorder.gate = new Promise((resolve) => {
        open = resolve;
      });
      const slow = ProtobufTraceSerializer.serializeRequest(await makeGenAiSpans({ spans: 5, services: 1 }))!;
      const both = [post(`${t.url}/v1/traces`, slow, PROTO), post(`${t.url}/v1/traces`, slow, PROTO)];
      for (let i = 0; i < 200; i++) {
        const metrics = await (await fetch(`${t.url}/metrics`)).text();
        if (/breakwater_ingest_in_flight_requests 2/.test(metrics)) break;
        await new Promise((r) => setImmediate(r));
      }
      open();
      t.recorder.gate = undefined;
      assert.deepEqual(
        (await Promise.all(both)).map((r) => r.status),
        [200, 200],
      );
      assert.equal(t.recorder.spans.length, 14);
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(metrics, /^breakwater_ingest_spans_total\{result="accepted"\} 14$/m);
      assert.match(metrics, /^breakwater_ingest_spans_total\{result="rejected"\} 1$/m);
      assert.match(metrics, /^breakwater_ingest_spans_total\{result="duplicate"\} 14$/m);
    } finally {
      await t.close();
    }
  });
});

describe('a failing durable sink', () => {
  it('stops the request before later (in-memory) sinks apply it, so the retry counts once', async () => {
    const applied: number[] = [];
    let fail = true;
    const t = await startTestService('', {
      components: [
        () => ({
          name: 'durable',
          spanSink: async () => {
            await Promise.resolve();
            if (fail) throw new Error('database is locked');
          },
        }),
        () => ({ name: 'memory', spanSink: (spans) => void applied.push(spans.length) }),
      ],
    });
    try {
      const body = JsonTraceSerializer.serializeRequest(
        await makeGenAiSpans({ spans: 10, services: 1, errorRatio: 0.5 }),
      )!;
      assert.equal((await post(`${t.url}/v1/traces`, body, JSON_CT)).status, 503);
      assert.deepEqual(applied, []);
      fail = false;
      assert.equal((await post(`${t.url}/v1/traces`, body, JSON_CT)).status, 200);
      assert.deepEqual(applied, [10]);
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(metrics, /^breakwater_ingest_record_failures_total\{signal="traces"\} 1$/m);
    } finally {
      await t.close();
    }
  });

  it('logs a run of failures once, with the error, and once more when recording works again', async () => {
    let fail = true;
    const logger = memoryLogger();
    const t = await startTestService('', {
      logger,
      components: [
        () => ({
          name: 'durable',
          spanSink: () => {
            if (fail) throw new Error('database or disk is full');
          },
        }),
      ],
    });
    try {
      const body = JsonTraceSerializer.serializeRequest(await makeGenAiSpans({ spans: 2, services: 1 }))!;
      for (let i = 0; i < 5; i++) assert.equal((await post(`${t.url}/v1/traces`, body, JSON_CT)).status, 503);
      fail = false;
      assert.equal((await post(`${t.url}/v1/traces`, body, JSON_CT)).status, 200);
      const said = logger.lines.filter((l) => /record/.test(l.msg ?? ''));
      assert.deepEqual(
        said.map((l) => l.level),
        ['error', 'debug', 'debug', 'debug', 'debug', 'info'],
      );
      assert.match(String((said[0]!.obj as { err: Error }).err.message), /disk is full/);
      assert.deepEqual(said.at(-1)!.obj, { failed: 5 });
    } finally {
      await t.close();
    }
  });
});

describe('a body left unread', () => {
  it('invalid gzip: 400 and the connection is closed, not left half-read', async () => {
    const t = await startTestService();
    try {
      const { port } = new URL(t.url);
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
      });
      socket.on('error', () => {}); // the server may close while the rest is still being written
      const closed = once(socket, 'close');
      const body = Buffer.alloc(1048576, 0x41); // not gzip, and more than one read's worth
      socket.write(
        `POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      socket.write(body);
      const timeout = new Promise<never>((_, reject) => {
        const timer = setTimeout(() => reject(new Error(`connection left open; got: ${received}`)), 10_000);
        void closed.then(() => clearTimeout(timer));
      });
      await Promise.race([closed, timeout]);
      assert.match(received, /^HTTP\/1\.1 400 /);
      assert.match(received, /\r\nconnection: close\r\n/i);
      assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
    } finally {
      await t.close();
    }
  });
});

describe('gzip bomb at the default 64 MiB cap', () => {
  it('stops inflating at the cap: 413, bounded memory, nothing recorded', async () => {
    const t = await startTestService();
    try {
      // 16 gzip members of 16 MiB of zeros each: 256 MiB inflated from ~260 KB on the wire.
      const member = gzipSync(Buffer.alloc(16 * 1048576));
      const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
      const before = process.memoryUsage().rss;
      const response = await post(`${t.url}/v1/traces`, bomb, { ...PROTO, 'content-encoding': 'gzip' });
      assert.equal(response.status, 413);
      const grownMb = (process.memoryUsage().rss - before) / 1048576;
      assert.ok(grownMb < 160, `RSS grew ${grownMb.toFixed(0)} MB`);
      assert.equal(t.recorder.spans.length, 0);
      assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
    } finally {
      await t.close();
    }
  });
});

describe('overload', () => {
  it('answers 429 with Retry-After beyond the in-flight bound, then recovers', async () => {
    const t = await startTestService('limits: { maxInFlightRequests: 2, retryAfterSeconds: 3 }');
    try {
      let open!: () => void;
      t.recorder.gate = new Promise((resolve) => {
        open = resolve;
      });
      // Three different batches (one batch sent twice would be counted once).
      const [a, b, c] = await Promise.all(
        [1, 2, 3].map(
          async () =>
            ProtobufTraceSerializer.serializeRequest(await makeGenAiSpans({ spans: 5, services: 1 }))!,
        ),
      );
      const held = [post(`${t.url}/v1/traces`, a!, PROTO), post(`${t.url}/v1/traces`, b!, PROTO)];
      // Wait until both requests are inside the sink.
      for (let i = 0; i < 200; i++) {
        const metrics = await (await fetch(`${t.url}/metrics`)).text();
        if (/breakwater_ingest_in_flight_requests 2/.test(metrics)) break;
        await new Promise((r) => setImmediate(r));
      }
      const refused = await post(`${t.url}/v1/traces`, c!, PROTO);
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '3');
      assert.equal(decodeStatus(refused.body).code, 8);
      open();
      t.recorder.gate = undefined;
      assert.deepEqual(
        (await Promise.all(held)).map((r) => r.status),
        [200, 200],
      );
      assert.equal((await post(`${t.url}/v1/traces`, c!, PROTO)).status, 200);
      assert.equal(t.recorder.spans.length, 15);
    } finally {
      await t.close();
    }
  });

  it('answers 429 when the in-flight byte budget is exhausted', async () => {
    // Two different batches of the same size (one batch sent twice would be counted once).
    const body = ProtobufTraceSerializer.serializeRequest(await makeGenAiSpans({ spans: 20, services: 1 }))!;
    const second = ProtobufTraceSerializer.serializeRequest(
      await makeGenAiSpans({ spans: 20, services: 1 }),
    )!;
    assert.equal(second.length, body.length);
    // Room for exactly two requests (body and decoded spans): held in the sink, they leave none for a third.
    const held = body.length + 20 * DECODED_SPAN_BYTES;
    const t = await startTestService(
      `limits: { maxBodyBytes: ${body.length}, maxInFlightBytes: ${2 * held} }`,
    );
    try {
      let open!: () => void;
      t.recorder.gate = new Promise((resolve) => {
        open = resolve;
      });
      const sent = [post(`${t.url}/v1/traces`, body, PROTO), post(`${t.url}/v1/traces`, second, PROTO)];
      for (let i = 0; i < 200; i++) {
        const metrics = await (await fetch(`${t.url}/metrics`)).text();
        if (/breakwater_ingest_in_flight_requests 2/.test(metrics)) break;
        await new Promise((r) => setImmediate(r));
      }
      const response = await post(`${t.url}/v1/traces`, body, PROTO);
      assert.equal(response.status, 429);
      assert.match(decodeStatus(response.body).message, /too much ingest data in flight/);
      open();
      t.recorder.gate = undefined;
      assert.deepEqual(
        (await Promise.all(sent)).map((r) => r.status),
        [200, 200],
      );
      assert.equal(t.recorder.spans.length, 40);
    } finally {
      await t.close();
    }
  });

  it('charges decoded spans to the byte budget: a body of tiny spans that would blow up in memory is a 413', async () => {
    // 50 000 spans of nothing but ids and times: 48 bytes each on the wire, about 400 in memory.
    const bytes = (n: number, seed: number) => Array.from({ length: n }, (_, k) => (seed + k + 1) & 255);
    const fixed64 = (n: number) => [n, 0, 0, 0, 0, 0, 0, 0];
    const span = (i: number) => [
      ...[0x0a, 16, ...bytes(16, i), 0x12, 8, ...bytes(8, i * 7)],
      ...[0x39, ...fixed64(1), 0x41, ...fixed64(2)],
    ];
    const spans = Array.from({ length: 50_000 }, (_, i) => [0x12, 46, ...span(i)]).flat();
    const scope = [0x12, ...varint(spans.length), ...spans];
    const body = Uint8Array.from([0x0a, ...varint(scope.length), ...scope]);
    // The body fits the budget four times over; its 20 MB of decoded spans do not.
    const t = await startTestService(
      `limits: { maxBodyBytes: ${body.length}, maxInFlightBytes: ${4 * body.length} }`,
    );
    try {
      const response = await post(`${t.url}/v1/traces`, body, PROTO);
      assert.equal(response.status, 413, decodeStatus(response.body).message);
      // The decode stopped where the budget, less the body, was full.
      const maxSpans = Math.floor((3 * body.length) / DECODED_SPAN_BYTES);
      assert.match(
        decodeStatus(response.body).message,
        new RegExp(
          `more than ${maxSpans} spans: decoded, they would hold more than .*limits\\.maxInFlightBytes`,
        ),
      );
      assert.equal(t.recorder.spans.length, 0, 'nothing recorded');
      // The budget is whole again: a normal request goes through.
      const normal = ProtobufTraceSerializer.serializeRequest(
        await makeGenAiSpans({ spans: 5, services: 1 }),
      )!;
      assert.equal((await post(`${t.url}/v1/traces`, normal, PROTO)).status, 200);
    } finally {
      await t.close();
    }
  });

  it('caps OTLP/JSON bodies at maxJsonBodyBytes: a small gzip of `{},{},…` is a 413 naming the limit and protobuf', async () => {
    const t = await startTestService('limits: { maxJsonBodyBytes: 65536 }');
    try {
      // 3 MiB of empty objects: ~3 KB gzipped, tens of MB of heap once parsed.
      const n = (3 << 20) / 3;
      const bomb = gzipSync(`{"resourceSpans":[${'{},'.repeat(n - 1)}{}]}`);
      const response = await post(`${t.url}/v1/traces`, bomb, { ...JSON_CT, 'content-encoding': 'gzip' });
      assert.equal(response.status, 413);
      const message = (JSON.parse(Buffer.from(response.body).toString()) as { message: string }).message;
      assert.match(message, /exceeds the 65536-byte limit after decompression \(limits\.maxJsonBodyBytes/);
      assert.match(message, /protobuf \(application\/x-protobuf\), accepted up to 67108864 bytes/);
      // Uncompressed too, and announced by Content-Length: refused before reading.
      const plain = await post(
        `${t.url}/v1/traces`,
        `{"resourceSpans":[${'{},'.repeat(30_000)}{}]}`,
        JSON_CT,
      );
      assert.equal(plain.status, 413);
      assert.equal(t.recorder.spans.length, 0, 'nothing recorded');
      // Protobuf of the same size passes, and JSON under the cap.
      const spans = await makeGenAiSpans({ spans: 150, services: 1 });
      const proto = ProtobufTraceSerializer.serializeRequest(spans)!;
      const json = JsonTraceSerializer.serializeRequest(spans.slice(0, 5))!;
      assert.ok(proto.length > 65536 && json.length < 65536);
      assert.equal((await post(`${t.url}/v1/traces`, proto, PROTO)).status, 200);
      assert.equal((await post(`${t.url}/v1/traces`, json, JSON_CT)).status, 200);
      assert.equal(t.recorder.spans.length, 155);
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(metrics, /^breakwater_ingest_in_flight_bytes 0$/m);
    } finally {
      await t.close();
    }
  });

  it('takes an OTLP/JSON batch of several MiB with the default limits (an SDK batch of 512 spans with content)', async () => {
    const spans = await makeGenAiSpans({ spans: 5_000, services: 2 });
    const json = JsonTraceSerializer.serializeRequest(spans)!;
    assert.ok(json.length > 6_000_000, `${json.length} bytes`);
    const t = await startTestService();
    try {
      assert.equal((await post(`${t.url}/v1/traces`, json, JSON_CT)).status, 200);
      assert.equal(t.recorder.spans.length, 5_000);
    } finally {
      await t.close();
    }
  });

  it('charges the parsed JSON tree to the byte budget before parsing: 413 when it cannot fit, held while it lives', async () => {
    const spans = await makeGenAiSpans({ spans: 5, services: 1 });
    const json = JsonTraceSerializer.serializeRequest(spans)!;
    // The budget holds the body twice over (as the config requires), not its parse tree.
    const tight = await startTestService(
      `limits: { maxBodyBytes: ${json.length}, maxInFlightBytes: ${2 * json.length} }`,
    );
    try {
      const response = await post(`${tight.url}/v1/traces`, json, JSON_CT);
      assert.equal(response.status, 413);
      assert.match(
        (JSON.parse(Buffer.from(response.body).toString()) as { message: string }).message,
        new RegExp(
          `OTLP/JSON body of ${json.length} bytes: parsed, it could hold more than the in-flight budget \\(limits\\.maxInFlightBytes\\) allows; send smaller batches, or protobuf`,
        ),
      );
      assert.equal(tight.recorder.spans.length, 0, 'nothing recorded');
      const proto = ProtobufTraceSerializer.serializeRequest(spans)!;
      assert.equal((await post(`${tight.url}/v1/traces`, proto, PROTO)).status, 200);
    } finally {
      await tight.close();
    }
    const t = await startTestService();
    try {
      let open!: () => void;
      t.recorder.gate = new Promise((resolve) => {
        open = resolve;
      });
      const held = post(`${t.url}/v1/traces`, json, JSON_CT);
      let inFlight = 0;
      for (let i = 0; i < 200 && inFlight === 0; i++) {
        const metrics = await (await fetch(`${t.url}/metrics`)).text();
        inFlight = Number(/^breakwater_ingest_in_flight_bytes (\d+)$/m.exec(metrics)?.[1]);
        await new Promise((r) => setImmediate(r));
      }
      assert.equal(inFlight, json.length + estimateJsonTreeBytes(json) + 5 * DECODED_SPAN_BYTES);
      open();
      t.recorder.gate = undefined;
      assert.equal((await held).status, 200);
    } finally {
      await t.close();
    }
  });
});

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 127) {
    out.push((v & 127) | 128);
    v >>>= 7;
  }
  out.push(v);
  return out;
}
