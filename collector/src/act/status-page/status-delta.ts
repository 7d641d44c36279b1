/**
 * A status snapshot as keyed rows, and the delta from one snapshot to the next: what the status
 * stream sends a viewer that holds the previous one, instead of the whole snapshot (megabytes on
 * a large fleet) at every change.
 */
import { budgetKey } from './budget-history.ts';
import type {
  BudgetPoint,
  StatusDelta,
  StatusListDelta,
  StatusRowPatch,
  StatusSection,
  StatusSnapshot,
} from './types.ts';

type Row = Record<string, unknown>;

/** How the rows of one list are told apart and compared. */
interface ListSpec {
  /** Identity: the same row in two snapshots has the same key (any key is correct, a stable one is small). */
  key(row: Row): string;
  /** What counts as a change, when not every field does; the row is still sent as it is. */
  compared?(row: Row, now: number): string;
  /** A field holding a list of its own (an SLO's groups). */
  nested?: { field: string; spec: ListSpec };
  /** A field holding a point series, sent as what moved on (a group's budget history). */
  series?: string;
}

const key = (...parts: unknown[]) => JSON.stringify(parts);

const GROUPS: ListSpec = {
  key: (g) => key(budgetKey('', g as { service: string }), g.version),
  series: 'budgetHistory',
};

/**
 * The lists of a snapshot. What counts as a change is what the stream always counted: not an
 * SLO's `evaluatedAt` (each build evaluates anew; the page does not show it), nor a signal's
 * `ttlMs` counting down (it counts by its expiry, to the second). A delta still carries their
 * current values whenever it is sent, so the viewer holds exactly the snapshot it stands for.
 */
const LISTS: Readonly<Record<StatusSection, ListSpec>> = {
  slos: {
    key: (s) => key(s.name),
    compared: ({ evaluatedAt: _evaluatedAt, groups: _groups, ...slo }) => JSON.stringify(slo),
    nested: { field: 'groups', spec: GROUPS },
  },
  signals: {
    key: (s) => key(s.dependency, s.service),
    compared: ({ ttlMs, ...signal }, now) =>
      JSON.stringify({ ...signal, expires: Math.round((now + (ttlMs as number)) / 1_000) }),
  },
  dependencies: { key: (d) => key(d.dependency, d.service) },
  breakerStates: { key: (b) => key(b.service, b.instanceId, b.dependency) },
  alerts: { key: (a) => key(a.name, a.labels, a.startsAt) },
  gateDecisions: { key: (g) => key(g.service, g.version, g.evaluatedAt, g.decision) },
};

interface Entry {
  row: Row;
  /** JSON of the row without its nested list. */
  json: string;
  compared: string;
  /** Its nested list, when it has one. */
  children?: ListState;
}

interface ListState {
  entries: Entry[];
  /** Index of each key in `entries`. */
  at: Map<string, number>;
  /** Bytes of the list's JSON, about. */
  bytes: number;
}

/** A snapshot as the next delta is computed from. */
export interface SnapshotState {
  /** Top-level field names, lists marked: a delta cannot add or remove one. */
  shape: string;
  /** JSON of each top-level field that is not a list (`available`, `errors`). */
  fields: Map<string, string>;
  lists: Map<string, ListState>;
  /** Bytes of the snapshot's JSON, about (what a full `status` event costs). */
  bytes: number;
}

/** A snapshot compared with the previous one. */
export interface SnapshotDiff {
  state: SnapshotState;
  /** Whether viewers are to be told (see {@link LISTS} for what does not count). */
  changed: boolean;
  /** How the previous snapshot becomes this one; absent without a previous one, or when its shape changed. */
  delta?: Omit<StatusDelta, 'from'>;
}

/** Compares `snapshot` with the state of the previous one (undefined: none). */
export function diffSnapshot(prev: SnapshotState | undefined, snapshot: StatusSnapshot): SnapshotDiff {
  const source = snapshot as unknown as Row;
  const now = snapshot.now;
  const names = Object.keys(source).filter((name) => name !== 'now' && source[name] !== undefined);
  const isList = (name: string) => Object.hasOwn(LISTS, name) && Array.isArray(source[name]);
  const shape = names.map((name) => (isList(name) ? `${name}[]` : name)).join();
  const comparable = prev?.shape === shape;
  const state: SnapshotState = { shape, fields: new Map(), lists: new Map(), bytes: 0 };
  const set: Row = {};
  const lists: Partial<Record<string, StatusListDelta>> = {};
  let changed = !comparable;
  for (const name of names) {
    if (isList(name)) {
      const diff = diffList(
        LISTS[name as StatusSection],
        comparable ? prev.lists.get(name) : undefined,
        source[name] as Row[],
        now,
      );
      state.lists.set(name, diff.state);
      state.bytes += diff.state.bytes;
      if (diff.changed) changed = true;
      if (diff.delta !== undefined) lists[name] = diff.delta;
      continue;
    }
    const json = JSON.stringify(source[name]) ?? '';
    state.fields.set(name, json);
    state.bytes += json.length;
    if (comparable && prev.fields.get(name) !== json) {
      set[name] = source[name];
      changed = true;
    }
  }
  if (!comparable) return { state, changed };
  const delta: Omit<StatusDelta, 'from'> = { now };
  if (Object.keys(set).length > 0) delta.set = set as Partial<StatusSnapshot>;
  if (Object.keys(lists).length > 0) delta.lists = lists;
  return { state, changed, delta };
}

interface ListDiff {
  state: ListState;
  changed: boolean;
  /** Absent when nothing in the list differs (not even what does not count as a change). */
  delta?: StatusListDelta;
}

function diffList(spec: ListSpec, prev: ListState | undefined, rows: readonly Row[], now: number): ListDiff {
  const state: ListState = { entries: [], at: new Map(), bytes: 2 };
  const order: (readonly [number, number] | Row)[] = [];
  const patch: StatusRowPatch[] = [];
  let changed = false;
  rows.forEach((row, i) => {
    let id = spec.key(row);
    while (state.at.has(id)) id += '\u0000'; // two rows alike: each matches its own
    state.at.set(id, i);
    const nested = spec.nested;
    const own = nested === undefined ? row : withoutField(row, nested.field);
    const json = JSON.stringify(own);
    const entry: Entry = { row, json, compared: spec.compared?.(row, now) ?? json };
    const j = prev?.at.get(id);
    const old = j === undefined ? undefined : prev?.entries[j];
    let children: ListDiff | undefined;
    if (nested !== undefined) {
      const list = Array.isArray(row[nested.field]) ? (row[nested.field] as Row[]) : [];
      children = diffList(nested.spec, old?.children, list, now);
      entry.children = children.state;
    }
    state.entries.push(entry);
    state.bytes += json.length + 1 + (children?.state.bytes ?? 0);
    if (j === undefined || old === undefined || (json !== old.json && !sameFields(old.row, row))) {
      order.push(row); // new, or its fields are not those it had: sent whole
      changed = true;
      return;
    }
    const last = order.at(-1);
    if (Array.isArray(last) && last[0] + last[1] === j) order[order.length - 1] = [last[0], last[1] + 1];
    else order.push([j, 1]);
    if (entry.compared !== old.compared) changed = true;
    const p: StatusRowPatch = { i };
    if (json !== old.json) fieldPatch(spec, old.row, row, p);
    if (children?.delta !== undefined && nested !== undefined) {
      p.lists = { [nested.field]: children.delta };
      if (children.changed) changed = true;
    }
    if (p.set !== undefined || p.tail !== undefined || p.lists !== undefined) patch.push(p);
  });
  if (prev === undefined) return { state, changed: true };
  const first = order[0];
  const sameOrder =
    rows.length === prev.entries.length &&
    (rows.length === 0 || (order.length === 1 && Array.isArray(first) && first[0] === 0));
  if (!sameOrder) changed = true;
  if (sameOrder && patch.length === 0) return { state, changed };
  const delta: StatusListDelta = {};
  if (!sameOrder) delta.rows = order;
  if (patch.length > 0) delta.patch = patch;
  return { state, changed, delta };
}

/** Fills `p` with the fields of `row` that differ from `old` (nested lists aside). */
function fieldPatch(spec: ListSpec, old: Row, row: Row, p: StatusRowPatch): void {
  const set: Row = {};
  const tails: NonNullable<StatusRowPatch['tail']> = {};
  for (const [field, value] of Object.entries(row)) {
    if (field === spec.nested?.field) continue;
    if (field === spec.series) {
      const tail = pointsTail(old[field], value);
      if (tail === undefined) set[field] = value;
      else if (tail[0] > 0 || tail[1].length > 0) tails[field] = tail;
    } else if (JSON.stringify(value) !== JSON.stringify(old[field])) set[field] = value;
  }
  if (Object.keys(set).length > 0) p.set = set;
  if (Object.keys(tails).length > 0) p.tail = tails;
}

/**
 * `next` as `prev` moved on, `[drop, appended]`, when it is `prev` without its first `drop`
 * points plus points appended; undefined otherwise (it is then sent whole). Budget samples are
 * stamped on a time that only grows, so the first point of `next` is found by its time.
 */
export function pointsTail(prev: unknown, next: unknown): [number, BudgetPoint[]] | undefined {
  if (!Array.isArray(prev) || !Array.isArray(next)) return undefined;
  const before = prev as BudgetPoint[];
  const after = next as BudgetPoint[];
  if (after.length === 0) return before.length === 0 ? [0, []] : undefined;
  let drop = 0;
  while (drop < before.length && before[drop]![0] !== after[0]![0]) drop++;
  const kept = before.length - drop;
  if (kept === 0 || kept > after.length) return undefined;
  for (let k = 0; k < kept; k++) {
    const a = before[drop + k]!;
    const b = after[k]!;
    if (a[0] !== b[0] || a[1] !== b[1]) return undefined;
  }
  return [drop, after.slice(kept)];
}

/** Whether two rows have the same fields, in the same order, as JSON has them (a patch can only replace values). */
function sameFields(a: Row, b: Row): boolean {
  const ka = jsonFields(a);
  const kb = jsonFields(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

function jsonFields(row: Row): string[] {
  return Object.keys(row).filter((k) => row[k] !== undefined);
}

function withoutField(row: Row, field: string): Row {
  const { [field]: _omitted, ...rest } = row;
  return rest;
}
