// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} references
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import {
  REFERENCE_IN_TEXT_PATTERN,
  type SubstitutionProblem,
  substituteEnv,
  WHOLE_REFERENCE_PATTERN,
  type WholeReference,
} from './env-substitution.ts';

/** Whether substitution finds `value` to be one reference alone (what the loader may type). */
function isWhole(value: string): boolean {
  const wholes: WholeReference[] = [];
  substituteEnv(value, {}, [], wholes);
  return wholes.length === 1;
}

// The JSON Schema takes this pattern at number and boolean settings: it must agree with the loader.
it('WHOLE_REFERENCE_PATTERN matches exactly the values substitution takes for one reference alone', () => {
  const whole = new RegExp(WHOLE_REFERENCE_PATTERN, 'u');
  for (const value of ['${A}', '${a_1}', '${A:-5}', '${A:-}', '${A:-x y}'])
    assert.ok(whole.test(value), value);
  for (const value of ['$${A}', '${A}${B}', ' ${A}', '${A-5}', '${1A}', '${A:-${B}}', 'A']) {
    assert.equal(whole.test(value), false, value);
    assert.equal(isWhole(value), false, value);
  }
  const piece = fc.constantFrom('$', '{', '}', ':', '-', ':-', '${', '$${', 'A', 'b', '_', '1', ' ');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
      const value = pieces.join('');
      assert.equal(whole.test(value), isWhole(value), value);
    }),
    { numRuns: 2000 },
  );
});

/**
 * What substitution makes of `value`: whether it looked a variable up, and whether it found a
 * malformed reference.
 */
function substitution(value: string): { looksUp: boolean; malformed: boolean } {
  let looksUp = false;
  const env = new Proxy({} as Record<string, string>, {
    get: () => {
      looksUp = true;
      return 'x';
    },
  });
  const problems: SubstitutionProblem[] = [];
  substituteEnv(value, env, problems);
  return { looksUp, malformed: problems.length > 0 };
}

// The JSON Schema takes this pattern at text settings with a fixed set of values, a pattern or a format.
it('REFERENCE_IN_TEXT_PATTERN matches the values substitution looks a variable up in', () => {
  const inText = new RegExp(REFERENCE_IN_TEXT_PATTERN, 'u');
  for (const value of ['${A}', '${A:-5}', 'x${A}', '${A}s', 'http://${HOST}:9093', '$${A}${B}'])
    assert.ok(inText.test(value) && substitution(value).looksUp, value);
  for (const value of ['$${A}', 'x$${A}', '$$$${A}', '${A-5}', '${1A}', 'A', '']) {
    assert.equal(inText.test(value), false, value);
    assert.equal(substitution(value).looksUp, false, value);
  }
  const piece = fc.constantFrom('$', '{', '}', ':', '-', ':-', '${', '$${', 'A', 'b', '_', '1', ' ');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
      const value = pieces.join('');
      const { looksUp, malformed } = substitution(value);
      // A malformed reference is refused whatever else the value holds; the pattern may take it.
      if (!malformed) assert.equal(inText.test(value), looksUp, value);
    }),
    { numRuns: 2000 },
  );
});
