/**
 * `ExecuteOptions.maxAttempts` checked: an integer ≥ 1. `where` names the entry point in the
 * `TypeError` (`Pipeline.execute`, `RetryPolicy.execute`).
 */
export function attemptLimit(maxAttempts: number, where: string): number {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new TypeError(`${where}: maxAttempts must be an integer ≥ 1, got ${maxAttempts}`);
  }
  return maxAttempts;
}
