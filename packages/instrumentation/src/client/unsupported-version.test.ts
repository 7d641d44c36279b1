import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AnthropicInstrumentation } from '../anthropic/instrumentation.ts';
import { OpenAIInstrumentation } from '../openai/instrumentation.ts';
import { UNSUPPORTED_CLIENT_WARNING } from './unsupported-version.ts';

// A client version outside the supported ranges is skipped by the OpenTelemetry base without a
// word: the app would run uninstrumented and unguarded. Packages stand in for future releases
// (a fake `openai` 8, a pre-release, an `@anthropic-ai/sdk` 2) in an app directory of their own.

const app = mkdtempSync(join(tmpdir(), 'bw-unsupported-'));
const requireFromApp = createRequire(join(app, 'app.js'));

function fakePackage(name: string, version: string | undefined): void {
  const dir = join(app, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
  writeFileSync(join(dir, 'index.js'), 'module.exports = { loaded: true };\n');
}

/** Loads `name` fresh from the app, returning the warnings process.emitWarning raised meanwhile. */
async function load(name: string): Promise<Error[]> {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    for (const key of Object.keys(requireFromApp.cache)) {
      if (key.startsWith(join(app, 'node_modules', name))) delete requireFromApp.cache[key];
    }
    assert.deepEqual(requireFromApp(name), { loaded: true });
    // 'warning' is emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return warnings.filter((w) => (w as { code?: string }).code === UNSUPPORTED_CLIENT_WARNING);
}

describe('a client version Breakwater does not instrument', () => {
  const openai = new OpenAIInstrumentation({
    enabled: false,
    moduleAliases: ['openai-next', 'openai-rc', 'openai-unversioned'],
  });
  const anthropic = new AnthropicInstrumentation({
    enabled: false,
    moduleAliases: ['anthropic-old', 'anthropic-langchain'],
  });

  before(() => {
    fakePackage('openai', '8.0.0');
    fakePackage('openai-next', '7.58.0-alpha.0');
    fakePackage('openai-rc', '7.57.0');
    fakePackage('openai-unversioned', undefined);
    fakePackage('@anthropic-ai/sdk', '2.1.0');
    fakePackage('anthropic-old', '0.70.1');
    fakePackage('anthropic-langchain', '0.122.0');
    openai.enable();
    anthropic.enable();
  });

  after(() => {
    openai.disable();
    anthropic.disable();
    rmSync(app, { recursive: true, force: true });
  });

  it('warns once per version, naming it and the supported majors', async () => {
    const [warning, ...more] = await load('openai');
    assert.equal(more.length, 0);
    assert.match(
      warning!.message,
      /^openai 8\.0\.0 \(loaded as "openai"\) is not instrumented by Breakwater/,
    );
    assert.match(warning!.message, /supports openai 6\.x, 7\.x releases/);
    assert.deepEqual(await load('openai'), [], 'loaded again: no second warning');
  });

  it('warns for a pre-release of a supported major (the patching definitions skip it too)', async () => {
    const [warning] = await load('openai-next');
    assert.match(warning!.message, /7\.58\.0-alpha\.0/);
  });

  it('warns for @anthropic-ai/sdk 2', async () => {
    const [warning] = await load('@anthropic-ai/sdk');
    assert.match(
      warning!.message,
      /^@anthropic-ai\/sdk 2\.1\.0 .* supports @anthropic-ai\/sdk 0\.71 to 0\.x, 1\.x releases/,
    );
  });

  it('warns for an @anthropic-ai/sdk 0.x older than the 1.x layout', async () => {
    const [warning] = await load('anthropic-old');
    assert.match(warning!.message, /^@anthropic-ai\/sdk 0\.70\.1 \(loaded as "anthropic-old"\)/);
  });

  it('warns for a client whose version cannot be read (Deno without --allow-read), which is not patched', async () => {
    const [warning, ...more] = await load('openai-unversioned');
    assert.equal(more.length, 0);
    assert.match(
      warning!.message,
      /^openai \(loaded as "openai-unversioned"\) is not instrumented by Breakwater: its version could not be read from its package\.json/,
    );
    assert.match(warning!.message, /--allow-read/);
    assert.deepEqual(await load('openai-unversioned'), [], 'loaded again: no second warning');
  });

  it('stays quiet for a supported version', async () => {
    assert.deepEqual(await load('openai-rc'), []);
    // The 0.x line @langchain/anthropic installs in its own copy.
    assert.deepEqual(await load('anthropic-langchain'), []);
  });
});
