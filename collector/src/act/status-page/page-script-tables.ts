/**
 * The part of the status page's script that keeps long tables usable at fleet scale, inlined
 * into {@link PAGE_SCRIPT} (same closure: it uses the page's `h`, `$` and `render`). A fleet has
 * thousands of SLO rows: rendering every one at every update froze the page for seconds and left
 * the burning one somewhere in the middle. A long table now shows its rows in the order its
 * section gives (worst first), only the first `ROW_LIMIT` that match its filter (more on
 * request), keeps a row's elements while the row's data is unchanged (an update rebuilds only
 * what changed, and an operator's selection survives it) and moves elements only where the
 * order changed.
 */
export const TABLES_SCRIPT = String.raw`
  var ROW_LIMIT = 50;
  var tables = {};

  // All of the filter's words must occur in the row's text (case-insensitive).
  function matches(words, text) {
    for (var i = 0; i < words.length; i++) if (text.indexOf(words[i]) < 0) return false;
    return true;
  }

  // Puts exactly els, in order, under parent, moving only the elements out of place.
  function place(parent, els) {
    var at = parent.firstChild;
    for (var i = 0; i < els.length; i++) {
      if (els[i] === at) at = at.nextSibling;
      else parent.insertBefore(els[i], at);
    }
    while (at) {
      var next = at.nextSibling;
      parent.removeChild(at);
      at = next;
    }
  }

  // items: [{ key, text, data, render() -> tr or [tr] }] in display order (worst first);
  // order: how that order reads to people ("worst first").
  function longTable(name, count, headers, items, order) {
    var t = tables[name];
    var input = $('filter-' + name);
    if (!t) {
      t = tables[name] = { limit: ROW_LIMIT, rows: new Map(), tbody: h('tbody'), foot: h('p', { class: 'small more' }) };
      t.el = h('div', null,
        h('table', { class: 'stack' }, h('thead', null, h('tr', null, headers.map(function (x) { return h('th', { scope: 'col' }, x); }))), t.tbody),
        t.foot);
      if (input) input.addEventListener('input', function () { t.limit = ROW_LIMIT; render(); });
    }
    if (input) input.hidden = false;
    var query = input ? input.value.trim().toLowerCase() : '';
    var words = query ? query.split(/\s+/) : [];
    var matched = words.length ? items.filter(function (it) { return matches(words, it.text); }) : items;
    var shown = matched.slice(0, t.limit);
    var rows = new Map();
    var els = [];
    shown.forEach(function (it) {
      var key = it.key;
      while (rows.has(key)) key += '\u0000'; // two rows alike: each keeps its own elements
      var sig = JSON.stringify(it.data);
      var old = t.rows.get(key);
      var row = old && old.sig === sig ? old : { sig: sig, els: [].concat(it.render()) };
      rows.set(key, row);
      els.push.apply(els, row.els);
    });
    t.rows = rows;
    place(t.tbody, els);
    var of = words.length ? matched.length + ' matching of ' + items.length : String(items.length);
    var foot = [];
    if (words.length && matched.length === 0) foot.push('Nothing matches \u201c' + query + '\u201d.');
    else if (shown.length < matched.length) {
      foot.push('Showing ' + shown.length + ' of ' + of + ', ' + order + '. ');
      foot.push(h('button', { type: 'button' }, 'Show ' + Math.min(ROW_LIMIT, matched.length - shown.length) + ' more'));
    } else if (words.length) foot.push(of + ', ' + order + '.');
    t.foot.replaceChildren.apply(t.foot, foot);
    var more = t.foot.querySelector('button');
    if (more) more.addEventListener('click', function () { t.limit += ROW_LIMIT; render(); });
    t.foot.hidden = foot.length === 0;
    setSection(name, count, t.el);
  }

  // A section shown without its table (empty, failed, unavailable): no filter to offer.
  function noTable(name) {
    var input = $('filter-' + name);
    if (input) input.hidden = true;
  }
`;
