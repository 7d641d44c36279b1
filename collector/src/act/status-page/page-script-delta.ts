/**
 * The part of the status page's script that applies a `status-delta` event (a `StatusDelta`, see
 * `types.ts`) to the snapshot the page holds, inlined into {@link PAGE_SCRIPT}. Plain ES2020 with
 * no free variables, so tests evaluate this very text (`testing/delta-applier.ts`) and check that it
 * turns each snapshot into exactly the next.
 */
export const DELTA_SCRIPT = `
  // The snapshot the delta was made from, turned into the one it stands for (rows updated in place).
  function applyDelta(snap, delta) {
    snap.now = delta.now;
    var key;
    if (delta.set) for (key in delta.set) snap[key] = delta.set[key];
    if (delta.lists) for (key in delta.lists) snap[key] = applyList(snap[key], delta.lists[key]);
    return snap;
  }
  function applyList(list, delta) {
    var out = list;
    if (delta.rows) {
      out = [];
      for (var i = 0; i < delta.rows.length; i++) {
        var r = delta.rows[i];
        // [start, count]: rows kept from the previous list; an object: a row sent whole.
        if (Array.isArray(r)) for (var j = r[0]; j < r[0] + r[1]; j++) out.push(list[j]);
        else out.push(r);
      }
    }
    var patch = delta.patch || [];
    for (var p = 0; p < patch.length; p++) {
      var change = patch[p], row = out[change.i], field;
      if (change.set) for (field in change.set) row[field] = change.set[field];
      if (change.tail) {
        for (field in change.tail) row[field] = row[field].slice(change.tail[field][0]).concat(change.tail[field][1]);
      }
      if (change.lists) for (field in change.lists) row[field] = applyList(row[field], change.lists[field]);
    }
    return out;
  }
`;
