/**
 * The installed scripts, keyed by target. Lookup goes from the most specific target to the
 * least, so "openai.chat / gpt-4o" beats "openai" beats "*".
 */
import type { Clock } from '@breakwater/protocol';
import { RunningScript, type ScriptStatus } from './script.ts';
import type { FaultStep, NormalizedScript, Provider, RouteId, RouteSelector } from './types.ts';

export class FaultRegistry {
  private readonly scripts = new Map<string, RunningScript>();
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(clock: Clock, random: () => number) {
    this.clock = clock;
    this.random = random;
  }

  /** Installs validated scripts, each replacing any script for the same target. */
  install(scripts: readonly NormalizedScript[]): void {
    const now = this.clock.now();
    for (const script of scripts)
      this.scripts.set(key(script.route, script.model), new RunningScript(script, now));
  }

  /** Removes every script, or only the one for the given target. Returns how many were removed. */
  clear(target?: { route?: RouteSelector; model?: string }): number {
    if (target === undefined) {
      const n = this.scripts.size;
      this.scripts.clear();
      return n;
    }
    return this.scripts.delete(key(target.route ?? '*', target.model ?? '*')) ? 1 : 0;
  }

  /** Decides what happens to one request; `undefined` means answer it normally. */
  take(route: RouteId, provider: Provider, model: string): FaultStep | undefined {
    // The common case (no faults scripted) costs one size check.
    if (this.scripts.size === 0) return undefined;
    const script =
      this.scripts.get(key(route, model)) ??
      this.scripts.get(key(route, '*')) ??
      this.scripts.get(key(provider, model)) ??
      this.scripts.get(key(provider, '*')) ??
      this.scripts.get(key('*', model)) ??
      this.scripts.get(key('*', '*'));
    return script?.take(this.clock.now(), this.random);
  }

  list(): ScriptStatus[] {
    const now = this.clock.now();
    return [...this.scripts.values()].map((s) => s.status(now));
  }
}

function key(route: string, model: string): string {
  return `${route}\u0000${model}`;
}
