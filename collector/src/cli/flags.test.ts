import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseFlags } from './flags.ts';
import { UsageError } from './usage-error.ts';

const OPTIONS = {
  listen: { type: 'string' },
  'data-dir': { type: 'string' },
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usageError(args: string[]): string {
  try {
    parseFlags(args, OPTIONS);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  assert.fail(`expected a usage error for ${args.join(' ')}`);
}

it('an unknown flag a typo or two from a known one names it', () => {
  assert.equal(usageError(['--listne', '1']), "Unknown option '--listne' (did you mean --listen?)");
  assert.equal(usageError(['--listne=1']), "Unknown option '--listne' (did you mean --listen?)");
  assert.equal(usageError(['--datadir', 'x']), "Unknown option '--datadir' (did you mean --data-dir?)");
  assert.equal(usageError(['--Config', 'x']), "Unknown option '--Config' (did you mean --config?)");
});

it('an unknown flag with no close one, or a short one, is only unknown', () => {
  assert.equal(usageError(['--nope']), "Unknown option '--nope'");
  assert.equal(usageError(['-x']), "Unknown option '-x'");
  assert.equal(usageError(['extra']), 'unexpected argument "extra"');
});
