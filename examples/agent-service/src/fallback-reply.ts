/**
 * How the agent's `--fallback` reply is told apart from the model's: its completion `id` is
 * `fallback:<cause>`.
 */

/** Prefix of the `id` of a completion produced by the agent's fallback (`fallback:<cause>`). */
export const FALLBACK_ID_PREFIX = 'fallback:';

/** The cause of a completion the fallback produced (`overloaded`, …), or undefined for the model's own. */
export function fallbackCause(completion: { readonly id: string }): string | undefined {
  return completion.id.startsWith(FALLBACK_ID_PREFIX)
    ? completion.id.slice(FALLBACK_ID_PREFIX.length)
    : undefined;
}
