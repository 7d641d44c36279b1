import type { z } from 'zod';

/**
 * Default `fleet.stream.maxSubscribersPerToken`: half of `maxSubscribers` (rounded up), so one
 * token (one fleet, or one misbehaving client holding it) can take at most half of the stream's
 * slots and every other token still finds the other half open.
 */
export function defaultSubscribersPerToken(maxSubscribers: number): number {
  return Math.ceil(maxSubscribers / 2);
}

/** A share above the whole would never apply: most likely the two keys were mixed up. */
export function checkShareWithinTotal(
  stream: { maxSubscribers: number; maxSubscribersPerToken?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  const share = stream.maxSubscribersPerToken;
  if (share === undefined || share <= stream.maxSubscribers) return;
  ctx.addIssue({
    code: 'custom',
    path: ['maxSubscribersPerToken'],
    message: `maxSubscribersPerToken ${share} must be at most maxSubscribers (${stream.maxSubscribers}); set it to ${stream.maxSubscribers} to let one token take every slot`,
  });
}
