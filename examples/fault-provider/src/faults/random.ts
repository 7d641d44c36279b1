/** Randomness for error rates and latency, injectable so tests are deterministic. */
import { type Latency, MAX_DELAY_MS } from './types.ts';

/**
 * A small seeded generator (32-bit state, SplitMix-style mixing) returning numbers in [0, 1).
 * Good enough to spread faults; not for anything that needs statistical quality.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 0x1_0000_0000;
  };
}

/** Draws one delay in milliseconds from a fixed or lognormal latency, at most {@link MAX_DELAY_MS}. */
export function sampleLatency(latency: Latency, random: () => number): number {
  if (typeof latency === 'number') return latency;
  // Box–Muller: a standard normal from two uniforms; 1 - u keeps log() away from 0.
  const u1 = 1 - random();
  const u2 = random();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  const ms = latency.medianMs * Math.exp(latency.sigma * z);
  // The tail is unbounded; past the timer limit a wait would end at once instead of late.
  return Math.min(ms, latency.maxMs ?? MAX_DELAY_MS);
}
