import { readFile } from 'node:fs/promises';
import { isDocument, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem, formatPath } from './config-error.ts';
import { structureProblems } from './document-structure.ts';
import { type SubstitutionProblem, substituteEnv, type WholeReference } from './env-substitution.ts';
import { suggestedKey } from './key-suggestion.ts';
import { type CollectorConfig, CollectorConfigSchema } from './schema.ts';
import { type ConfigSection, keepSections } from './sections.ts';
import { referenceNote, typeWholeReferences } from './typed-references.ts';

/** `yaml`'s `maxAliasCount`: how far aliases may expand (uses of an alias × the aliases in its node). */
const ALIAS_LIMIT = 100;

/** Where the document came from, for messages (a path, or e.g. `<defaults>`). */
export interface ConfigSource {
  name: string;
  text: string;
}

/** What a {@link ConfigOverride} set: a problem there is the flag's, not the file's. */
export interface OverrideSet {
  /** The flag, e.g. `--listen`. */
  readonly flag: string;
  readonly paths: readonly (readonly PropertyKey[])[];
}

/** Changes applied on top of the file (from CLI flags), before validation. */
export type ConfigOverride = (document: Record<string, unknown>) => OverrideSet | undefined;

/** How much of the document the caller needs. */
export interface ParseOptions {
  /**
   * The top-level sections the caller reads. Every other known section is left out before
   * `${VAR}` substitution and validation and takes its default, so its unset variables (e.g.
   * secrets) and its values do not matter. Default: every section, as `serve` and `check-config`
   * need. A caller must list every section it reads, or it gets defaults for the rest.
   */
  sections?: readonly ConfigSection[];
}

/**
 * Parses YAML text, keeps the sections `options.sections` names (all by default), substitutes
 * `${ENV}` references in strings, applies `overrides` and validates the result. Every problem
 * names the file, the path in the document and, when the path exists in the file, its line and
 * column. Throws {@link ConfigError} with every problem: the references that cannot be
 * substituted and, unless the YAML itself is broken, what validation finds in the rest of the
 * document (nothing about a value whose reference was not substituted: that is one problem).
 */
export function parseConfig(
  source: ConfigSource,
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: readonly ConfigOverride[] = [],
  options: ParseOptions = {},
): CollectorConfig {
  const lineCounter = new LineCounter();
  // Not `prettyErrors`: it appends the position again (` at line 3, column 1:`) and a code frame.
  const doc = parseDocument(source.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source.name,
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { path: '', message: `invalid YAML: ${firstLine(error.message)}`, line, column: col };
      }),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: ALIAS_LIMIT }) ?? {};
  } catch (error) {
    // The parser reports alias problems it finds while building values as ReferenceErrors: above
    // all its guard against alias bombs (a few lines that expand to millions of nodes).
    if (!(error instanceof ReferenceError)) throw error;
    const message = /excessive alias count/i.test(error.message)
      ? "its aliases expand to too many nodes (the parser's guard against alias bombs): write the values out"
      : firstLine(error.message);
    throw new ConfigError(source.name, [{ path: '', message: `invalid YAML: ${message}` }]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(source.name, [
      { path: '', message: 'expected a mapping of keys at the top level' },
    ]);
  }
  /** The problems found at document paths, each placed at its line and column. */
  const atPaths = (found: readonly { path: (string | number)[]; message: string }[]): ConfigProblem[] =>
    found.map((p) => ({
      path: formatPath(p.path),
      message: p.message,
      ...position(doc, lineCounter, p.path),
    }));
  const structure = structureProblems(raw);
  if (structure.length > 0) throw new ConfigError(source.name, atPaths(structure));
  const read =
    options.sections === undefined ? raw : keepSections(raw as Record<string, unknown>, options.sections);
  const unresolved: SubstitutionProblem[] = [];
  const wholes: WholeReference[] = [];
  const document = substituteEnv(read, env, unresolved, wholes) as Record<string, unknown>;
  const fromFlags: OverrideSet[] = [];
  for (const override of overrides) {
    const set = override(document);
    if (set !== undefined) fromFlags.push(set);
  }
  let result = CollectorConfigSchema.safeParse(document);
  // Numbers and booleans from the environment are found by validation (see typed-references.ts):
  // a configuration without them is validated once. Some values are only checked once the rest of
  // their object is valid (an SLO's levels, after its objective), hence the loop; each pass types
  // at least one value, and none twice, so it ends.
  while (!result.success && typeWholeReferences(document, result.error.issues, wholes))
    result = CollectorConfigSchema.safeParse(document);
  // A reference a flag replaced is not needed: `listen: ${LISTEN}` with `--listen` given.
  const missing = unresolved.filter(
    (u) => !fromFlags.some((set) => set.paths.some((p) => startsWith(u.path, p))),
  );
  if (result.success && missing.length === 0) return result.data;
  // Every problem in one report: the references that could not be substituted, and what
  // validation found in the rest of the document (see issuesToProblems).
  throw new ConfigError(source.name, [
    ...atPaths(missing),
    ...(result.success
      ? []
      : issuesToProblems(result.error.issues, doc, lineCounter, fromFlags, wholes, missing)),
  ]);
}

/** Reads and parses a configuration file (see {@link parseConfig}). */
export async function loadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: readonly ConfigOverride[] = [],
  options: ParseOptions = {},
): Promise<CollectorConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError(path, [{ path: '', message: `cannot read configuration: ${why}` }]);
  }
  return parseConfig({ name: path, text }, env, overrides, options);
}

/** The configuration used when no file is given: every default, plus `overrides`. */
export function defaultConfig(overrides: readonly ConfigOverride[] = []): CollectorConfig {
  return parseConfig({ name: '<defaults>', text: '' }, {}, overrides);
}

function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  fromFlags: readonly OverrideSet[],
  wholes: readonly WholeReference[],
  unresolved: readonly SubstitutionProblem[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  /**
   * Adds the problem at `path`: the file's, at its line (naming the variable a value came from),
   * or the flag's that set it, placed at the flag. Left out at a value of the file whose reference
   * could not be substituted: it is reported as that, and what validation says of the text as
   * written (not a URL, not a number) is only the missing variable again. An unknown key is no
   * problem of its value: it is always reported, and without the variable its value came from.
   */
  const add = (path: readonly PropertyKey[], message: string, ofKey = false): void => {
    const flag = fromFlags.find((set) => set.paths.some((p) => startsWith(path, p)))?.flag;
    if (flag !== undefined) {
      problems.push({ path: formatPath(path), message, flag });
      return;
    }
    if (!ofKey && unresolved.some((u) => startsWith(path, u.path))) return;
    const from = ofKey ? '' : referenceNote(path, wholes);
    problems.push({ path: formatPath(path), message: message + from, ...position(doc, lineCounter, path) });
  };
  for (const issue of issues.flatMap(withUnionsResolved)) {
    if (issue.code === 'unrecognized_keys') {
      // One problem per unknown key, located at the key itself.
      for (const key of issue.keys) {
        const meant = suggestedKey(issue.path, key);
        add(
          [...issue.path, key],
          meant === undefined ? 'unknown key' : `unknown key (did you mean ${meant}?)`,
          true,
        );
      }
      continue;
    }
    add(issue.path, issue.message);
  }
  return problems;
}

const EXPECTED = 'Invalid input: expected ';

/**
 * A union's failure as a reader wants it (zod's own says only "Invalid input"): when the value took
 * the shape of one alternative (an issue inside it, or not about its type), that alternative's
 * issues, at their own paths; else one sentence naming what each alternative expected
 * (`expected "page" or array, received string`).
 */
function withUnionsResolved(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  // A union with a message of its own (the schema's `error`) says it better.
  if (issue.code !== 'invalid_union' || issue.message !== 'Invalid input' || issue.errors.length === 0)
    return [issue];
  const tookShape = issue.errors.find((branch) =>
    branch.some((i) => i.path.length > 0 || (i.code !== 'invalid_type' && i.code !== 'invalid_value')),
  );
  if (tookShape !== undefined)
    return tookShape.flatMap((i) => withUnionsResolved({ ...i, path: [...issue.path, ...i.path] }));
  const expected = issue.errors.flatMap((branch) => branch.map((i) => i.message));
  if (!expected.every((m) => m.startsWith(EXPECTED))) return [issue];
  return [{ ...issue, message: `${EXPECTED}${expected.map((m) => m.slice(EXPECTED.length)).join(' or ')}` }];
}

function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => path[i] === part);
}

/** Line and column of the deepest node along `path` that exists in the file. */
function position(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): { line?: number; column?: number } {
  if (!isDocument(doc)) return {};
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as
      | { range?: [number, number, number] }
      | undefined;
    const offset = node?.range?.[0];
    if (offset !== undefined) {
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    }
  }
  return {};
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
