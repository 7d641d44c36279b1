/**
 * AWS event-stream frames (`application/vnd.amazon.eventstream`), as Bedrock's
 * `invoke-with-response-stream` sends them, for a local Bedrock endpoint in tests.
 *
 * A frame: total length and headers length (uint32 BE), a CRC32 of those 8 bytes, the headers
 * (name length, name, type 7 = string, value length as uint16 BE, value), the payload, and a
 * CRC32 of everything before it. The decoder checks both CRCs, so a wrong frame fails loudly.
 */
import { crc32 } from 'node:zlib';

/** One frame with string headers. */
export function eventStreamFrame(headers: Record<string, string>, payload: Uint8Array): Buffer {
  const encodedHeaders = Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const n = Buffer.from(name);
      const v = Buffer.from(value);
      const head = Buffer.alloc(1 + n.length + 3);
      head.writeUInt8(n.length, 0);
      n.copy(head, 1);
      head.writeUInt8(7, 1 + n.length);
      head.writeUInt16BE(v.length, 2 + n.length);
      return Buffer.concat([head, v]);
    }),
  );
  const total = 12 + encodedHeaders.length + payload.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(encodedHeaders.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const message = Buffer.concat([prelude, encodedHeaders, payload]);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(crc32(message), 0);
  return Buffer.concat([message, trailer]);
}

/** A Bedrock `chunk` event carrying one Anthropic stream event (base64 JSON in `bytes`). */
export function bedrockChunk(event: object): Buffer {
  const bytes = Buffer.from(JSON.stringify(event)).toString('base64');
  return eventStreamFrame(
    { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' },
    Buffer.from(JSON.stringify({ bytes })),
  );
}

/** A Bedrock exception frame, as a stream that fails before or between chunks gets. */
export function bedrockException(type: string, message: string): Buffer {
  return eventStreamFrame(
    { ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' },
    Buffer.from(JSON.stringify({ message })),
  );
}
