import type { z } from 'zod';
import { cutBeyondCap } from '../../config/slo/selector-caps.ts';
import { MAX_DEPENDENCY_CHARS } from '../../decode/identity.ts';

/**
 * `fleet.perDependency` keys a dependency key can match. The decoders cut dependency keys to
 * {@link MAX_DEPENDENCY_CHARS} characters (`decode/identity.ts`), so an exact key over that never
 * matches, nor does a pattern whose literal characters (everything but its `*`s) are more: it
 * would be an override that silently never applies. An error names the key.
 */
export function checkDependencyKeyCaps(
  fleet: { perDependency: Record<string, unknown> },
  ctx: z.RefinementCtx,
): void {
  for (const key of Object.keys(fleet.perDependency)) {
    const literal = key.replaceAll('*', '').length;
    if (literal <= MAX_DEPENDENCY_CHARS) continue;
    const what = key.includes('*')
      ? `a pattern matching at least ${literal} characters`
      : `${literal} characters long`;
    ctx.addIssue({
      code: 'custom',
      path: ['perDependency', key],
      message: cutBeyondCap('dependency keys', what, MAX_DEPENDENCY_CHARS),
    });
  }
}
