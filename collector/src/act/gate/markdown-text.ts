/**
 * Strings from spans (operation names, dependency keys, `error.type`s, and messages quoting them)
 * as the incident report's Markdown shows them: as the text they are, never as Markdown of their
 * own. Whoever holds an ingest token chooses them; unescaped, a line break would start a heading
 * or list item, a `|` a table cell, and `[…](…)` or `<…>` a link, an image or HTML in a report
 * that people open to decide on a rollback.
 */

/** Line breaks, shown as `\n`: each would end the line the value is in. */
const LINE_BREAK = /\r\n|[\r\n\u2028\u2029]/g;

/** `text` for running text: line breaks as `\n`, no link or image (`](`), no HTML or autolink (`<`). */
export function markdownText(text: string): string {
  return text.replace(LINE_BREAK, '\\n').replaceAll('](', ']\\(').replaceAll('<', '&lt;');
}

/** `text` for a table cell: {@link markdownText} with `|` escaped, which would start a new cell. */
export function markdownCell(text: string): string {
  return markdownText(text).replaceAll('|', '\\|');
}

/**
 * `text` as a code span, whatever backticks it holds: fenced by one backtick more than its
 * longest run of them (and a space inside when it starts or ends with one); line breaks as `\n`.
 */
export function markdownCode(text: string): string {
  const line = text.replace(LINE_BREAK, '\\n');
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 ? ' ' : '';
  return `${fence}${pad}${line}${pad}${fence}`;
}
