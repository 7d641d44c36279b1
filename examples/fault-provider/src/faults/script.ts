/**
 * A running script: which step is current and how much of it is used. Steps advance lazily
 * when a request arrives (by count) or when the clock says their window is over, so an idle
 * provider runs no timers.
 */
import { drawMixOutcome } from './mix.ts';
import type { FaultAction, FaultStep, NormalizedScript } from './types.ts';

/** Progress of a script, as reported by `GET /_control/faults`. */
export interface ScriptStatus {
  readonly route: string;
  readonly model: string;
  /** Present when the script applies to one API key only. */
  readonly apiKey?: string;
  readonly steps: readonly FaultStep[];
  readonly repeat: boolean;
  /** Index of the current step; equals `steps.length` once the script is exhausted. */
  readonly step: number;
  /** Requests the current step has seen. */
  readonly stepRequests: number;
  /** Requests this script has matched in total. */
  readonly requests: number;
  readonly exhausted: boolean;
}

export class RunningScript {
  readonly script: NormalizedScript;
  private index = 0;
  private used = 0;
  private startedAt: number;
  private total = 0;

  constructor(script: NormalizedScript, now: number) {
    this.script = script;
    this.startedAt = now;
  }

  /**
   * Consumes one request and returns what to do with it, or `undefined` when it should be
   * answered normally (script exhausted, the step's `rate` spared it, or a `mix` drew no outcome).
   */
  take(now: number, random: () => number): FaultAction | undefined {
    this.expire(now);
    const steps = this.script.steps;
    if (this.index >= steps.length) return undefined;
    const step = steps[this.index]!;
    this.total++;
    this.used++;
    if (step.count !== undefined && this.used >= step.count) this.advance(now);
    if (step.fault === 'mix') return drawMixOutcome(step, random);
    if (step.rate !== undefined && step.rate < 1 && random() >= step.rate) return undefined;
    return step;
  }

  status(now: number): ScriptStatus {
    this.expire(now);
    const { route, model, apiKey, steps, repeat } = this.script;
    return {
      route,
      model,
      ...(apiKey === undefined ? {} : { apiKey }),
      steps,
      repeat,
      step: this.index,
      stepRequests: this.used,
      requests: this.total,
      exhausted: this.index >= steps.length,
    };
  }

  /** Moves past steps whose time window has closed; a window starts when its step starts. */
  private expire(now: number): void {
    const steps = this.script.steps;
    if (this.script.repeat) this.skipWholeCycles(now);
    while (this.index < steps.length) {
      const duration = steps[this.index]!.durationMs;
      if (duration === undefined || now < this.startedAt + duration) return;
      this.advance(this.startedAt + duration);
    }
  }

  private advance(at: number): void {
    this.index++;
    this.used = 0;
    this.startedAt = at;
    if (this.index >= this.script.steps.length && this.script.repeat) this.index = 0;
  }

  /**
   * With `repeat` and only timed steps, jump over full cycles instead of walking them one by one
   * (a provider left idle for days would walk millions): a whole cycle after the current step
   * began, the same step begins again.
   */
  private skipWholeCycles(now: number): void {
    let cycle = 0;
    for (const step of this.script.steps) {
      if (step.durationMs === undefined || step.count !== undefined) return;
      cycle += step.durationMs;
    }
    if (cycle <= 0) return;
    const cycles = Math.floor((now - this.startedAt) / cycle);
    if (cycles > 0) {
      this.startedAt += cycles * cycle;
      // A later round of the step: the requests of the round it began with are not its own.
      this.used = 0;
    }
  }
}
