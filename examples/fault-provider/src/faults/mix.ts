/**
 * Drawing one outcome of a `mix` step. One random draw per request picks the outcome whose share
 * of [0, 1) it falls in, so the outcomes' rates are exact fractions of the traffic and never
 * overlap (a request is never both a 503 and a 429).
 */
import type { FaultAction, MixStep, Pacing } from './types.ts';

/** The outcome a draw of `random()` lands on, or the step's plain answer when it lands past them. */
export function drawMixOutcome(step: MixStep & Pacing, random: () => number): FaultAction | undefined {
  const draw = random();
  let upTo = 0;
  for (const outcome of step.outcomes) {
    upTo += outcome.rate;
    if (draw < upTo) return withStepPacing(outcome, step);
  }
  // Answered normally, still paced as the step says (a slow provider that also fails sometimes).
  if (step.latency === undefined && step.chunkDelayMs === undefined) return undefined;
  return withStepPacing({ fault: 'ok' }, step);
}

/** `action` with the step's latency and frame delay where it sets none of its own. */
function withStepPacing(action: FaultAction, step: Pacing): FaultAction {
  if (step.latency === undefined && step.chunkDelayMs === undefined) return action;
  return {
    ...action,
    latency: action.latency ?? step.latency,
    chunkDelayMs: action.chunkDelayMs ?? step.chunkDelayMs,
  } as FaultAction;
}
