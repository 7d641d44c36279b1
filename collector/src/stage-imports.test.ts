/**
 * DESIGN.md: data flows one way through the collector, receive → decode → sli → store →
 * evaluate → act, and a stage imports only from the stages before it. Checked here for every
 * runtime import of a stage's source; type-only imports are erased at run time and may name an
 * earlier stage's view of a later one's output (the receiver's decoders return decoded spans).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = dirname(fileURLToPath(import.meta.url));
const STAGES = ['receive', 'decode', 'sli', 'store', 'evaluate', 'act'] as const;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The relative modules a file imports or re-exports at run time. */
function runtimeImports(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s+([^;]*?)\s*from\s+'(\.[^']+)'/gms)) {
    const clause = match[1]!;
    if (/^type\s/.test(clause)) continue;
    const named = /^\{([^}]*)\}$/.exec(clause.trim());
    const specifiers = named?.[1]
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (specifiers?.every((s) => s.startsWith('type '))) continue;
    out.push(match[2]!);
  }
  for (const match of text.matchAll(/^import\s+'(\.[^']+)'/gm)) out.push(match[1]!);
  return out;
}

function stageOf(path: string): number {
  return STAGES.indexOf(relative(SRC, path).split('/')[0] as (typeof STAGES)[number]);
}

it('each collector stage imports at run time only from itself and the stages before it', () => {
  const backwards: string[] = [];
  let checked = 0;
  for (const [index, stage] of STAGES.entries()) {
    for (const file of sources(join(SRC, stage))) {
      for (const spec of runtimeImports(readFileSync(file, 'utf8'))) {
        checked++;
        const target = stageOf(resolve(dirname(file), spec));
        if (target > index) backwards.push(`${relative(SRC, file)} → ${spec} (${STAGES[target]})`);
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} imports found: the scan is broken`);
  assert.deepEqual(backwards, []);
});
