/**
 * Schema metadata (`.meta(derivedDefault(…))`) for an optional key whose default the parser does
 * not fill in: derived from another key (half of `maxSubscribers`), from the data directory or
 * from the SLO's kind (its levels), applied where the value is used. The JSON Schema has no
 * `default` for such a key, so the text goes into its `description` (editors show it on hover)
 * and into `defaultText`, which CONFIG.md prints in its `default` column. Markdown (backticks) is
 * fine in the text.
 */
export function derivedDefault(text: string): { description: string; defaultText: string } {
  return { description: `Default: ${text}.`, defaultText: text };
}
