import assert from 'node:assert/strict';
import { it } from 'node:test';
import { importedClients } from './esm-entry-warning.ts';

it('finds the instrumented clients an entry file imports, in every import form', () => {
  assert.deepEqual(importedClients("import OpenAI from 'openai';"), ['openai']);
  assert.deepEqual(importedClients('import { OpenAI } from "openai"'), ['openai']);
  assert.deepEqual(importedClients("import 'openai';"), ['openai']);
  assert.deepEqual(importedClients("const { default: OpenAI } = await import('openai');"), ['openai']);
  assert.deepEqual(
    importedClients("import Anthropic from '@anthropic-ai/sdk';\nimport OpenAI from 'openai';"),
    ['openai', '@anthropic-ai/sdk'],
  );
  assert.deepEqual(importedClients("import OpenAI from 'openai/index.mjs';"), ['openai']);
  assert.deepEqual(importedClients("import OpenAI from 'openai'; // the client"), ['openai']);
  assert.deepEqual(importedClients("import { AnthropicVertex } from '@anthropic-ai/vertex-sdk';"), [
    '@anthropic-ai/vertex-sdk',
  ]);
});

it('ignores what is not an import of a client', () => {
  for (const source of [
    "const OpenAI = require('openai');",
    "const require = createRequire(import.meta.url); require('openai');",
    "import { x } from 'openai-compatible';",
    "import { Thing } from '@anthropic-ai/sdk-extras';",
    "import { start } from '@breakwater/node';",
    // Erased before the code runs, or never run.
    "import type OpenAI from 'openai';",
    "import type { ChatCompletion } from 'openai/resources';\nconst OpenAI = require('openai');",
    "export type { Message } from '@anthropic-ai/sdk';",
    "// import OpenAI from 'openai';",
    "/* await import('openai') */",
  ]) {
    assert.deepEqual(importedClients(source), [], source);
  }
});
