/** One problem in a configuration: where (file, document path, line) and what was expected. */
export interface ConfigProblem {
  /** Document path such as `slos[2].objective`; '' for the whole document. */
  path: string;
  message: string;
  /** 1-based line and column in the file, when known. */
  line?: number;
  column?: number;
  /**
   * The command-line flag that set the value, e.g. `--listen`: the problem is the flag's, and is
   * placed there rather than in the file (which may be none: the defaults).
   */
  flag?: string;
}

/** A configuration that cannot be used; `message` lists every problem, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly source: string;
  readonly problems: readonly ConfigProblem[];

  constructor(source: string, problems: readonly ConfigProblem[]) {
    // In file order: the validator reports sections in the schema's order, not the file's.
    const ordered = problems.toSorted(byPosition);
    super(ordered.map((p) => formatProblem(source, p)).join('\n'));
    this.source = source;
    this.problems = ordered;
  }
}

/** By line and column; problems with no line (a flag's, or the whole file's) last, as found. */
function byPosition(a: ConfigProblem, b: ConfigProblem): number {
  if (a.line === undefined || b.line === undefined)
    return (a.line === undefined ? 1 : 0) - (b.line === undefined ? 1 : 0);
  return a.line - b.line || (a.column ?? 1) - (b.column ?? 1);
}

/**
 * `config.yaml:12:5: slos[2].objective: expected a number below 1`, or for a value a flag set
 * `--listen: listen: expected host:port`.
 */
export function formatProblem(source: string, problem: ConfigProblem): string {
  const where =
    problem.flag ??
    (problem.line === undefined ? source : `${source}:${problem.line}:${problem.column ?? 1}`);
  return problem.path === ''
    ? `${where}: ${problem.message}`
    : `${where}: ${problem.path}: ${problem.message}`;
}

/** `['slos', 2, 'objective']` → `slos[2].objective`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
