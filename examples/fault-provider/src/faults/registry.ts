/**
 * The installed scripts, keyed by target. Lookup goes from the most specific target to the
 * least, so "openai.chat / gpt-4o" beats "openai" beats "*".
 */
import type { Clock } from '@breakwater/protocol';
import { RunningScript, type ScriptStatus } from './script.ts';
import type { FaultAction, NormalizedScript, Provider, RouteId, RouteSelector } from './types.ts';

export class FaultRegistry {
  private readonly scripts = new Map<string, RunningScript>();
  /** Installed scripts limited to one API key; when 0, lookups skip the per-key pass. */
  private keyed = 0;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(clock: Clock, random: () => number) {
    this.clock = clock;
    this.random = random;
  }

  /** Installs validated scripts, each replacing any script for the same target. */
  install(scripts: readonly NormalizedScript[]): void {
    const now = this.clock.monotonic();
    for (const script of scripts)
      this.scripts.set(key(script.route, script.model, script.apiKey), new RunningScript(script, now));
    this.recount();
  }

  /** Removes every script, or only the one for the given target. Returns how many were removed. */
  clear(target?: { route?: RouteSelector; model?: string; apiKey?: string }): number {
    if (target === undefined) {
      const n = this.scripts.size;
      this.scripts.clear();
      this.keyed = 0;
      return n;
    }
    const removed = this.scripts.delete(key(target.route ?? '*', target.model ?? '*', target.apiKey)) ? 1 : 0;
    this.recount();
    return removed;
  }

  /** Decides what happens to one request; `undefined` means answer it normally. */
  take(route: RouteId, provider: Provider, model: string, apiKey?: string): FaultAction | undefined {
    // The common case (no faults scripted) costs one size check.
    if (this.scripts.size === 0) return undefined;
    const script =
      (this.keyed > 0 && apiKey !== undefined && apiKey !== ''
        ? this.lookup(route, provider, model, apiKey)
        : undefined) ?? this.lookup(route, provider, model, undefined);
    return script?.take(this.clock.monotonic(), this.random);
  }

  /** The most specific script for the target: route + model, route, provider + model, provider, model, `*`. */
  private lookup(
    route: RouteId,
    provider: Provider,
    model: string,
    apiKey: string | undefined,
  ): RunningScript | undefined {
    return (
      this.scripts.get(key(route, model, apiKey)) ??
      this.scripts.get(key(route, '*', apiKey)) ??
      this.scripts.get(key(provider, model, apiKey)) ??
      this.scripts.get(key(provider, '*', apiKey)) ??
      this.scripts.get(key('*', model, apiKey)) ??
      this.scripts.get(key('*', '*', apiKey))
    );
  }

  private recount(): void {
    let n = 0;
    for (const s of this.scripts.values()) if (s.script.apiKey !== undefined) n++;
    this.keyed = n;
  }

  list(): ScriptStatus[] {
    const now = this.clock.monotonic();
    return [...this.scripts.values()].map((s) => s.status(now));
  }
}

function key(route: string, model: string, apiKey: string | undefined): string {
  return apiKey === undefined ? `${route}\u0000${model}` : `${route}\u0000${model}\u0000${apiKey}`;
}
