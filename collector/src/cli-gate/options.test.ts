import assert from 'node:assert/strict';
import { it } from 'node:test';
import { UsageError } from '../cli/usage-error.ts';
import { parseGateOptions } from './options.ts';

const ARGS = ['--service', 'checkout', '--version', '1.4.2'];

/** The usage error `parseGateOptions` throws for these arguments and environment. */
function usageError(argv: readonly string[], env: Record<string, string>): string {
  try {
    parseGateOptions(argv, env);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  return assert.fail('no usage error');
}

it('a bad collector URL from $BREAKWATER_COLLECTOR_URL is named as the variable, not as --url', () => {
  assert.equal(
    usageError(ARGS, { BREAKWATER_COLLECTOR_URL: 'collector:4318' }),
    'BREAKWATER_COLLECTOR_URL: expected an http(s) URL, got "collector:4318"',
  );
  // What `BREAKWATER_COLLECTOR_URL: ${{ vars.BREAKWATER_COLLECTOR_URL }}` gives when the variable is not defined.
  assert.equal(
    usageError(ARGS, { BREAKWATER_COLLECTOR_URL: '' }),
    'BREAKWATER_COLLECTOR_URL is empty (is the variable that gives it set?)',
  );
  assert.equal(
    usageError([...ARGS, '--url', 'collector:4318'], {}),
    '--url: expected an http(s) URL, got "collector:4318"',
  );
  // --url wins over the variable, which is then not read.
  const options = parseGateOptions([...ARGS, '--url', 'http://collector:4318/'], {
    BREAKWATER_COLLECTOR_URL: '',
  });
  assert.equal(options.url, 'http://collector:4318');
});
