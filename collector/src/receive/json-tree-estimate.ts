/**
 * Heap that `JSON.parse` may build for an OTLP/JSON body, estimated from its structure before it
 * is parsed, so the in-flight budget is charged for what the tree will hold: objects and arrays,
 * their elements and properties, strings, and the text itself. Measured on Node 24: an empty
 * object holds 64 bytes, an empty array 40; an element or a property adds up to 48 (a large
 * object keeps its properties in a hash table at most half full), a string up to 32 besides its
 * text, and text up to 2 bytes per byte (two-byte strings). Each term at its measured worst, the
 * estimate is never under the tree: from about 1.2 times it (unique keys, `[{},{},…]`) to 4 times
 * (OTLP/JSON of short attributes), about 8 bytes per byte of OTLP/JSON, 3 for long strings.
 *
 * A flat charge per byte must assume the worst shape for every body: 32 bytes per byte
 * (`[{},{},…]` parses to 21), which refused ordinary batches of a few MiB.
 */
export function estimateJsonTreeBytes(body: Uint8Array): number {
  let containers = 0;
  let separators = 0;
  let properties = 0;
  let strings = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) {
      inString = true;
      strings++;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) containers++;
    else if (c === COMMA) separators++;
    else if (c === COLON) properties++;
  }
  return (
    TEXT_BYTES * body.length +
    CONTAINER_BYTES * containers +
    SLOT_BYTES * (separators + properties) +
    STRING_BYTES * strings
  );
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const COMMA = 0x2c;
const COLON = 0x3a;

const TEXT_BYTES = 2;
const CONTAINER_BYTES = 64;
const SLOT_BYTES = 24;
const STRING_BYTES = 32;
