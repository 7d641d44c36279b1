/**
 * `--faults`: what the fault provider does to the agent's LLM calls, so the one-command demo shows
 * retries, breaker refusals and fallbacks instead of a clean run. A preset name or a fault script
 * (the fault provider's JSON format).
 */
import { FaultProviderClient, type FaultScript, parseScripts } from '@breakwater/fault-provider';

/** Named scripts for the chat route. */
export const FAULT_PRESETS: Readonly<Record<string, readonly FaultScript[]>> = {
  /** A clean provider. */
  none: [],
  /** A provider on a bad day: 15 % 503s, 5 % 429s with retry-after-ms, 3 % resets, ~20 ms latency. */
  flaky: [
    {
      route: 'openai.chat',
      steps: [
        {
          fault: 'mix',
          latency: { medianMs: 20, sigma: 0.5, maxMs: 200 },
          outcomes: [
            { rate: 0.15, fault: 'error', status: 503 },
            { rate: 0.05, fault: 'error', code: 'rate_limit_exceeded', retryAfterMs: 100 },
            { rate: 0.03, fault: 'reset' },
          ],
        },
      ],
    },
  ],
  /**
   * An outage: four good requests, then every request fails with 503 until 20 have, then good
   * again. Retries run out, the breaker opens and refuses, and `--fallback` answers meanwhile.
   */
  outage: [
    {
      route: 'openai.chat',
      steps: [
        { fault: 'ok', count: 4 },
        { fault: 'error', status: 503, count: 20 },
      ],
    },
  ],
};

/**
 * Parses and validates `--faults`: a preset name, or JSON (one script, a list, or
 * `{ scripts: [...] }`). Validated here, with the fault provider's own rules, so a bad script is
 * refused before anything starts, whichever provider it is for.
 */
export function faultScripts(value: string): FaultScript[] {
  if (Object.hasOwn(FAULT_PRESETS, value)) return [...FAULT_PRESETS[value]!];
  if (!/^\s*[[{]/.test(value)) {
    throw new Error(`--faults: expected ${Object.keys(FAULT_PRESETS).join(', ')} or a JSON fault script`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new Error(`--faults: not valid JSON (${(error as Error).message})`);
  }
  try {
    return parseScripts(parsed);
  } catch (error) {
    throw new Error(`--faults: ${(error as Error).message}`);
  }
}

/**
 * Makes a fault provider run `scripts` (and nothing else) over its control API: replaces its
 * scripts, or removes them all for none. Throws with the provider's message if it refuses.
 */
export async function installOverHttp(providerUrl: string, scripts: readonly FaultScript[]): Promise<void> {
  try {
    await new FaultProviderClient(providerUrl).replaceFaults(scripts);
  } catch (error) {
    throw new Error(`--faults: ${(error as Error).message}`);
  }
}
