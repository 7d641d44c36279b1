/**
 * Characters a terminal or a CI log viewer acts on instead of showing: C0 and C1 controls (ESC
 * starts colour, cursor and erase sequences; CR and LF start lines), DEL, the Unicode line and
 * paragraph separators, and the bidirectional overrides and isolates that reorder what follows.
 */
const ACTING = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with every such character written as an escape (`\n`, `\u001b`), for a line of the gate
 * CLI's output. What the collector answers holds strings any SDK sent (operation names in span
 * attributes, error messages): printed as they are, one could add a forged `PROCEED` line to a
 * pipeline's log, or hide one.
 */
export function terminalText(text: string): string {
  return text.replace(ACTING, (c) => NAMED[c] ?? `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
