import type { z } from 'zod';

/**
 * Two `auth.tokens` entries with the same secret: a request presenting it matches the first entry
 * only, so the second entry's scopes would silently never apply. Reported at the later entry,
 * naming both entries by their index and `name`, never by the secret.
 */
export function checkUniqueTokens(
  tokens: readonly { token: string; name?: string | undefined }[],
  ctx: z.RefinementCtx,
): void {
  const first = new Map<string, number>();
  tokens.forEach((entry, i) => {
    const earlier = first.get(entry.token);
    if (earlier === undefined) {
      first.set(entry.token, i);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: [i, 'token'],
      message:
        `same token as auth.tokens[${earlier}]${label(tokens[earlier]?.name)}: only that entry's scopes would apply to it. ` +
        `Give auth.tokens[${i}]${label(entry.name)} its own token, or list every scope on one entry`,
    });
  });
}

function label(name: string | undefined): string {
  return name === undefined ? '' : ` ("${name}")`;
}
