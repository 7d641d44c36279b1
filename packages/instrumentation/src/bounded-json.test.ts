import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundedJson } from './bounded-json.ts';

const bytes = (text: string): number => Buffer.byteLength(text);
const message = (role: string, content: string) => ({ role, parts: [{ type: 'text', content }] });

/** Strings anywhere in a parsed JSON value. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('boundedJson', () => {
  it('content within the bound is kept as it is', () => {
    const text = JSON.stringify([message('user', 'hello'), message('assistant', 'hi')]);
    assert.deepEqual(boundedJson(text, bytes(text), 'messages'), { text, truncated: false });
  });

  it('a message list over the bound loses its oldest messages first; the newest ones stay whole', () => {
    const history = Array.from({ length: 40 }, (_, i) =>
      message(i % 2 ? 'assistant' : 'user', `turn ${i} ${'x'.repeat(200)}`),
    );
    const text = JSON.stringify(history);
    const result = boundedJson(text, 2_000, 'messages');
    assert.equal(result.truncated, true);
    assert.ok(bytes(result.text!) <= 2_000);
    const kept = JSON.parse(result.text!) as unknown[];
    assert.ok(kept.length >= 2, `kept ${kept.length}`);
    // Exactly the newest ones, unchanged, and as many as fit.
    assert.deepEqual(kept, history.slice(-kept.length));
    assert.ok(bytes(JSON.stringify(history.slice(-kept.length - 1))) > 2_000);
  });

  it('a newest message larger than the bound is kept, its long strings cut and marked', () => {
    const history = [message('user', 'old question'), message('user', `${'y'.repeat(50_000)}`)];
    const result = boundedJson(JSON.stringify(history), 1_000, 'messages');
    assert.equal(result.truncated, true);
    const size = bytes(result.text!);
    assert.ok(size <= 1_000 && size > 950, `${size} bytes: cut no more than needed`);
    const [only, ...rest] = JSON.parse(result.text!) as ReturnType<typeof message>[];
    assert.equal(rest.length, 0);
    assert.equal(only!.role, 'user');
    assert.equal(only!.parts[0]!.type, 'text');
    assert.match(only!.parts[0]!.content, /^y+…$/);
  });

  it('a value (tool arguments) keeps its keys and short strings; only the longest are cut', () => {
    const args = { city: 'Oslo', units: 'metric', notes: 'n'.repeat(10_000), log: 'l'.repeat(8_000) };
    const result = boundedJson(JSON.stringify(args), 4_000, 'value');
    assert.equal(result.truncated, true);
    const out = JSON.parse(result.text!) as Record<string, string>;
    assert.deepEqual(Object.keys(out), ['city', 'units', 'notes', 'log']);
    assert.equal(out.city, 'Oslo');
    assert.equal(out.units, 'metric');
    assert.ok(out.notes!.endsWith('…') && out.log!.endsWith('…'));
    assert.equal(out.notes!.length, out.log!.length, 'both cut to one length');
    assert.ok(bytes(result.text!) <= 4_000);
  });

  it('a `__proto__` key stays a key', () => {
    const text = `{"__proto__":{"a":"${'z'.repeat(500)}"},"b":1}`;
    const out = JSON.parse(boundedJson(text, 100, 'value').text!) as Record<string, unknown>;
    assert.ok(Object.hasOwn(out, '__proto__'));
    assert.equal(out.b, 1);
  });

  it('content whose structure and short strings alone are over the bound is left out, and says so', () => {
    const numbers = JSON.stringify(Array.from({ length: 1_000 }, (_, i) => i));
    assert.deepEqual(boundedJson(numbers, 100, 'value'), { text: undefined, truncated: true });
    const roles = JSON.stringify([message('user', 'x'.repeat(5_000))]);
    assert.deepEqual(boundedJson(roles, 40, 'messages'), { text: undefined, truncated: true });
  });

  it('keeps as much as fits, however the bytes are spread over a string', () => {
    const cases = [
      `${'\u0001'.repeat(10_000)}${'a'.repeat(200_000)}`, // a dense head (6-byte escapes), a plain tail
      `${'问题'.repeat(5_000)}${'log line\n'.repeat(2_000)}`, // CJK, then escaped newlines
      `${'a'.repeat(30_000)}${'😀'.repeat(10_000)}`, // plain, then surrogate pairs
    ];
    for (const [i, content] of cases.entries()) {
      const result = boundedJson(JSON.stringify([message('user', content)]), 32_768, 'messages');
      const size = bytes(result.text!);
      assert.ok(size <= 32_768 && size > 32_768 - 16, `case ${i}: ${size} bytes of 32768`);
    }
  });

  it('pretty-printed JSON whose compact form fits is kept whole, compact, and not marked cut', () => {
    const data = { rows: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `row ${i}` })) };
    const pretty = JSON.stringify(data, null, 4);
    const compact = JSON.stringify(data);
    const result = boundedJson(pretty, bytes(compact) + 10, 'value');
    assert.deepEqual(result, { text: compact, truncated: false });
  });

  it('numbers are kept as written, also beyond a double', () => {
    const text = `{"tweet_id":1866998317463158785,"ratio":0.10000000000000000555,"body":"${'b'.repeat(5_000)}"}`;
    const result = boundedJson(text, 500, 'value');
    assert.match(
      result.text!,
      /^\{"tweet_id":1866998317463158785,"ratio":0.10000000000000000555,"body":"b+…"\}$/,
    );
  });

  it('never throws: content nested too deep to walk is left out', () => {
    const deep = `${'['.repeat(5_000)}"${'x'.repeat(40_000)}"${']'.repeat(5_000)}`;
    assert.deepEqual(boundedJson(deep, 32_768, 'value'), { text: undefined, truncated: true });
    assert.deepEqual(boundedJson('{"not json', 5, 'value'), { text: undefined, truncated: true });
  });

  it('within the bound and valid for any text: escapes, multi-byte characters and surrogate pairs', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['a', ' ', '"', '\\', '\n', '\u0001', 'é', '€', '😀', '𝄞', '\u2028'];
    const text = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let round = 0; round < 300; round++) {
      const history = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        message('user', text(Math.floor(random() * 3_000))),
      );
      const maxBytes = 200 + Math.floor(random() * 4_000);
      const source = JSON.stringify(history);
      const shape = random() < 0.5 ? 'messages' : 'value';
      const result = boundedJson(source, maxBytes, shape);
      assert.equal(result.truncated, bytes(source) > maxBytes, `round ${round}`);
      if (result.text === undefined) continue;
      assert.ok(bytes(result.text) <= maxBytes, `round ${round}: ${bytes(result.text)} > ${maxBytes}`);
      const parsed = JSON.parse(result.text) as unknown[];
      for (const s of strings(parsed))
        assert.ok(!LONE_SURROGATE.test(s), `round ${round}: a split surrogate pair`);
      // Roles and part types are never cut.
      for (const m of parsed as ReturnType<typeof message>[]) {
        assert.equal(m.role, 'user');
        assert.equal(m.parts[0]!.type, 'text');
      }
    }
  });
});
