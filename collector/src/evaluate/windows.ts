import { BURN_WINDOWS, formatDuration, parseDuration } from '@breakwater/protocol';
import type { SloDefinition } from '../config/slo/definition.ts';

const DAY_MS = 86_400_000;

/**
 * Names an SLO window the way SLOs are usually written: whole days as days (`28d`, not `4w`),
 * anything else with the largest exact unit.
 */
export function windowName(ms: number): string {
  return ms % DAY_MS === 0 ? `${ms / DAY_MS}d` : formatDuration(ms);
}

/** A named window. */
export interface NamedWindow {
  name: string;
  ms: number;
}

/** The burn windows (`5m` … `3d`) as milliseconds. */
export const BURN_WINDOW_MS: readonly NamedWindow[] = BURN_WINDOWS.map((name) => ({
  name,
  ms: parseDuration(name),
}));

/** Window over which error categories are reported. */
export const CATEGORY_WINDOW: NamedWindow = { name: '1h', ms: 3_600_000 };

/**
 * Windows reported for an SLO: the burn windows no longer than the SLO window, then the whole
 * SLO window (once, if it equals a burn window).
 */
export function reportedWindows(def: SloDefinition): NamedWindow[] {
  const out = BURN_WINDOW_MS.filter((w) => w.ms < def.windowMs);
  out.push({ name: windowName(def.windowMs), ms: def.windowMs });
  return out;
}

/**
 * Every window the evaluator needs from the store for these SLOs, de-duplicated: reported
 * windows, the category window and the level window. Returns the list and an index by length.
 */
export function windowPlan(
  defs: readonly SloDefinition[],
  levelWindowMs: number,
): { windowsMs: number[]; indexOf: Map<number, number> } {
  const set = new Set<number>([CATEGORY_WINDOW.ms, levelWindowMs]);
  for (const d of defs) for (const w of reportedWindows(d)) set.add(w.ms);
  const windowsMs = [...set].sort((a, b) => a - b);
  return { windowsMs, indexOf: new Map(windowsMs.map((w, i) => [w, i])) };
}
