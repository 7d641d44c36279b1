/**
 * The status page's script, inlined into the page (allowed by its CSP hash). Plain ES2020 for
 * the browser: it reads the live stream with `fetch()` (so it can send `Authorization`, which
 * `EventSource` cannot), parses Server-Sent Events itself, and renders with DOM calls only:
 * every string from the collector goes through `textContent`/`setAttribute`, never HTML parsing.
 */
import { BURN_ALERT_NAME } from '../alerts.ts';
import { GATE_ALERT_NAME } from '../gate/incident-alerts.ts';
import { DELTA_SCRIPT } from './page-script-delta.ts';
import { TABLES_SCRIPT } from './page-script-tables.ts';
import { STATUS_DELTA_EVENT, STATUS_DELTAS_PARAM, STATUS_EVENT } from './status-stream.ts';

export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var BURN_ALERT = ${JSON.stringify(BURN_ALERT_NAME)};
  var GATE_ALERT = ${JSON.stringify(GATE_ALERT_NAME)};
  var STATUS_EVENT = ${JSON.stringify(STATUS_EVENT)};
  var DELTA_EVENT = ${JSON.stringify(STATUS_DELTA_EVENT)};
  var TOKEN_KEY = 'breakwater.statusToken';
  // Deltas asked for: without, the stream sends every change whole (for clients that predate them).
  // The page is only served at the collector's root, so the path it was opened at is that root
  // under whatever prefix a reverse proxy adds: read as a directory, also without its trailing
  // slash (an ingress rewriting /breakwater(/|$)(.*) serves /breakwater too, where a URL relative
  // to the page would lose the prefix).
  var ROOT = location.pathname.replace(/\/*$/, '/');
  // After the origin, so a path of the form //host can never name another host.
  var EVENTS_URL = location.origin + ROOT + 'v1/status/events?' + ${JSON.stringify(STATUS_DELTAS_PARAM)} + '=1';
  var STALE_MS = 45000;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var controller = null;
  var backoff = 1000;
  var retryTimer = 0;
  var lastData = 0;
  // When the stream last sent anything (client clock): a snapshot is sent only on a change, so
  // a heartbeat says the one shown is still current.
  var heardAt = 0;
  var skew = 0;
  var snapshot = null;
  // SSE id of the event that made it: a delta applies to that snapshot only.
  var snapshotId = null;

  function $(id) { return document.getElementById(id); }

  // ---- DOM helpers: text only, never HTML ----
  function h(tag, props) {
    var el = document.createElement(tag);
    if (props) {
      for (var key in props) {
        var v = props[key];
        if (v === undefined || v === null || v === false) continue;
        if (key === 'class') el.className = v;
        else el.setAttribute(key, String(v));
      }
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) { for (var i = 0; i < child.length; i++) append(el, child[i]); return; }
    el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  function s(tag, attrs) {
    var el = document.createElementNS(SVG_NS, tag);
    for (var key in attrs) el.setAttribute(key, String(attrs[key]));
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  // ---- formatting ----
  function pct(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) return '\u2014';
    var d = digits === undefined ? 2 : digits;
    return String(Number((x * 100).toFixed(d))) + '%';
  }
  function pctFixed(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) return '\u2014';
    return (x * 100).toFixed(digits) + '%';
  }
  // Every digit of an objective: 99.999 % must not read as 100.00 %.
  function objectivePct(x) {
    return String(Number((x * 100).toPrecision(15))) + '%';
  }
  function burn(x) {
    if (x === null || x === undefined || !isFinite(x)) return '\u2014';
    return (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + '\u00d7';
  }
  function span(ms) {
    if (!isFinite(ms)) return '\u2014';
    var a = Math.abs(ms);
    if (a < 1000) return Math.round(a) + 'ms';
    if (a < 60000) return Math.round(a / 1000) + 's';
    if (a < 3600000) return Math.floor(a / 60000) + 'm ' + Math.round((a % 60000) / 1000) + 's';
    if (a < 172800000) return (a / 3600000).toFixed(1) + 'h';
    return (a / 86400000).toFixed(1) + 'd';
  }
  function nowMs() { return Date.now() + skew; }
  function rel(t, future) {
    // Filled in (and refreshed every second) by tickRelative().
    return h('span', { class: 'rel num', 'data-t': t, 'data-future': future ? '1' : '' }, relText(t, future));
  }
  function relText(t, future) {
    var d = future ? t - nowMs() : nowMs() - t;
    if (future) return d <= 0 ? 'now' : 'in ' + span(d);
    return d < 1000 ? 'just now' : span(d) + ' ago';
  }
  function at(t) {
    var d = new Date(t);
    return isNaN(d.getTime()) ? '' : d.toLocaleString();
  }
  function stateLabel(state, allow) {
    if (state === 'half_open') return 'ramping' + (typeof allow === 'number' ? ' ' + pct(allow, 0) : '');
    return state;
  }
  function badge(cls, text, title) { return h('span', { class: 'badge ' + cls, title: title }, text); }
  // A version chip: "v1.2.0" for a bare number, the version as written otherwise ("v2", "canary").
  function versionChip(version) {
    return h('span', { class: 'chip', title: 'service.version' }, h('span', { class: 'mono' }, /^\d/.test(version) ? 'v' + version : version));
  }
  function td(label, props) {
    var p = props || {};
    p['data-label'] = label;
    // One wrapper per cell, so the stacked (narrow) layout has exactly a label and a value.
    var cell = h('div', { class: 'cell' });
    for (var i = 2; i < arguments.length; i++) append(cell, arguments[i]);
    return h('td', p, cell);
  }
  function table(headers, rows) {
    return h('table', { class: 'stack' },
      h('thead', null, h('tr', null, headers.map(function (x) { return h('th', { scope: 'col' }, x); }))),
      h('tbody', null, rows));
  }
  function emptyOr(section, list, emptyText, good) {
    if (!snapshot.available[section]) return h('p', { class: 'empty' }, 'Not available on this collector.');
    if (snapshot.errors && snapshot.errors[section]) {
      return h('p', { class: 'error' }, 'Could not read this section: ' + snapshot.errors[section]);
    }
    if (list.length === 0) return h('p', { class: 'empty' + (good ? ' good' : '') }, emptyText);
    return null;
  }
  function setSection(name, count, content) {
    var sec = $('sec-' + name);
    // Re-inserting the same table would drop the operator's selection in it.
    if (sec.firstChild !== content || sec.childNodes.length !== 1) sec.replaceChildren(content);
    var c = $('count-' + name);
    if (c) c.textContent = count === null ? '' : String(count);
  }

  // ---- long tables ----
${TABLES_SCRIPT}
  // ---- deltas ----
${DELTA_SCRIPT}
  // ---- sections ----
  // Cards shown at first and per "show more": an outage of a provider opens the breaker of
  // every dependency on it, and hundreds of cards pushed everything else off the page.
  var CARD_LIMIT = 12;
  var STATE_RANK = { open: 0, half_open: 1, closed: 2 };
  var cardLimit = CARD_LIMIT;

  function renderSignals() {
    var list = snapshot.signals;
    var empty = emptyOr('signals', list, 'No active fleet signals: every dependency is admitted normally.', true);
    if (empty) return setSection('signals', null, empty);
    // Open first, then ramping, each newest first (a copy: the held snapshot keeps its order).
    var sorted = list.slice().sort(function (a, b) {
      return (a.state in STATE_RANK ? STATE_RANK[a.state] : 3) - (b.state in STATE_RANK ? STATE_RANK[b.state] : 3) ||
        b.issuedAt - a.issuedAt;
    });
    var shown = sorted.slice(0, cardLimit);
    var more = null;
    if (shown.length < sorted.length) {
      var button = h('button', { type: 'button' }, 'Show ' + Math.min(CARD_LIMIT, sorted.length - shown.length) + ' more');
      button.addEventListener('click', function () { cardLimit += CARD_LIMIT; render(); });
      more = h('p', { class: 'small more' }, 'Showing ' + shown.length + ' of ' + sorted.length + ', open first, newest first. ', button);
    }
    setSection('signals', list.length, h('div', null, h('div', { class: 'cards' }, shown.map(function (sig) {
      var r = sig.reason || {};
      return h('article', { class: 'card ' + sig.state, 'data-dependency': sig.dependency },
        h('div', { class: 'title' },
          h('span', { class: 'mono' }, sig.dependency),
          badge(sig.state, stateLabel(sig.state, sig.allow)),
          h('small', null, sig.service ? 'service ' + sig.service : 'all services')),
        h('p', null,
          h('strong', { class: 'num' }, pct(r.errorRatio, 1)), ' errors over ', h('span', { class: 'num' }, r.window),
          ' \u00b7 ', h('span', { class: 'num' }, String(r.volume)), ' calls \u00b7 ',
          h('span', { class: 'num' }, String(r.instances)), ' failing instance' + (r.instances === 1 ? '' : 's')),
        (r.topErrorTypes && r.topErrorTypes.length)
          ? h('p', null, r.topErrorTypes.map(function (t) {
              return h('span', { class: 'chip' }, h('span', { class: 'mono' }, t.type), ' \u00d7' + t.count);
            }))
          : null,
        h('p', { class: 'small' }, 'issued ', rel(sig.issuedAt, false), ' \u00b7 expires ', rel(snapshot.now + sig.ttlMs, true),
          ' \u00b7 ', h('span', { class: 'mono' }, sig.id)));
    })), more));
  }

  function sparkline(points) {
    var w = 110, hgt = 28, pad = 2;
    var svg = s('svg', { class: 'spark', viewBox: '0 0 ' + w + ' ' + hgt, role: 'img' });
    svg.appendChild(s('title', {}, 'Error budget remaining, last ' + (points.length ? span(points[points.length - 1][0] - points[0][0]) : '0s')));
    if (points.length === 0) return svg;
    var lo = 0, hi = 1, t0 = points[0][0], t1 = points[points.length - 1][0];
    for (var i = 0; i < points.length; i++) { lo = Math.min(lo, points[i][1]); hi = Math.max(hi, points[i][1]); }
    function x(t) { return t1 === t0 ? w - pad : pad + ((t - t0) / (t1 - t0)) * (w - 2 * pad); }
    function y(v) { return pad + (1 - (v - lo) / (hi - lo)) * (hgt - 2 * pad); }
    var pts = points.map(function (p) { return x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1); });
    if (points.length === 1) pts.unshift(pad + ',' + y(points[0][1]).toFixed(1));
    var first = pts[0].split(',')[0], last = pts[pts.length - 1].split(',')[0];
    svg.appendChild(s('polygon', { class: 'area', points: first + ',' + y(lo).toFixed(1) + ' ' + pts.join(' ') + ' ' + last + ',' + y(lo).toFixed(1) }));
    if (lo < 0) svg.appendChild(s('line', { class: 'zero', x1: 0, x2: w, y1: y(0).toFixed(1), y2: y(0).toFixed(1) }));
    svg.appendChild(s('polyline', { class: 'line', points: pts.join(' ') }));
    return svg;
  }

  function windowList(windows, value, klass) {
    return h('dl', { class: 'win' }, windows.map(function (w) {
      return [h('dt', null, w.window), h('dd', { class: klass ? klass(w) : undefined, title: w.good + ' good of ' + w.total }, value(w))];
    }));
  }

  function groupName(group) {
    var parts = [group.service];
    var labels = group.labels || {};
    Object.keys(labels).sort().forEach(function (k) { parts.push(k + '=' + labels[k]); });
    return parts;
  }

  function sloRow(slo, group, sub) {
    var budgetClass = group.budgetRemaining <= 0 ? ' gone' : group.budgetRemaining < 0.25 ? ' low' : '';
    var firing = group.alerts.length;
    var names = groupName(group);
    return h('tr', { class: sub ? 'sub' : undefined, 'data-slo': slo.name },
      td('SLO', null, sub ? h('span', { class: 'muted' }, 'version') : [h('strong', null, slo.name),
        slo.description ? h('div', { class: 'small' }, slo.description) : null,
        h('div', { class: 'small' }, 'SLI: ' + slo.sli)]),
      td('Tier', null, sub ? null : badge('tier', slo.tier)),
      td('Service', null, h('span', { class: 'mono' }, names[0]),
        group.version !== undefined ? versionChip(group.version) : null,
        names.slice(1).map(function (l) { return h('div', { class: 'small mono' }, l); })),
      td('Objective', { class: 'num' }, sub ? null : [objectivePct(slo.objective), h('div', { class: 'small' }, 'over ' + slo.window)]),
      td('SLI', null, windowList(group.windows, function (w) {
        return w.errorRatio === null ? '\u2014' : pctFixed(1 - w.errorRatio, 2);
      })),
      td('Burn rate', null, windowList(group.windows, function (w) { return burn(w.burnRate); }, function (w) {
        return w.burnRate === null ? undefined : w.burnRate >= 6 ? 'bad' : w.burnRate >= 1 ? 'hot' : undefined;
      })),
      td('Budget left', null, h('div', { class: 'budget' },
        h('span', { class: 'value' + budgetClass }, pctFixed(group.budgetRemaining, 1)),
        sub ? null : sparkline(group.budgetHistory || [])),
        group.budgetRemaining <= 0 ? h('div', { class: 'small' }, 'budget exhausted')
          : group.exhaustionEtaMs !== null ? h('div', { class: 'small' }, 'gone in ' + span(group.exhaustionEtaMs) + ' at this burn')
          : null),
      td('Level', null, badge(group.level, group.level),
        // Burn-rate window pairs firing, not alerts: Alertmanager gets one alert per severity.
        firing ? h('div', null, badge(group.alerts[0].severity, firing + ' burn window' + (firing === 1 ? '' : 's') + ' firing')) : null,
        group.topErrorCategories && group.topErrorCategories.length
          ? h('div', null, group.topErrorCategories.slice(0, 3).map(function (c) {
              return h('span', { class: 'chip' }, h('span', { class: 'mono' }, c.category), ' \u00d7' + c.count);
            }))
          : null));
  }

  var LEVEL_RANK = { ok: 0, warning: 1, severe: 2, emergency: 3 };
  var SEVERITY_RANK = { ticket: 1, page: 2 };
  // How bad a summed group is: the most severe burn alert firing, then its level.
  function sloRank(group) {
    var severity = 0;
    group.alerts.forEach(function (a) { severity = Math.max(severity, SEVERITY_RANK[a.severity] || 0); });
    return severity * 10 + (LEVEL_RANK[group.level] || 0);
  }

  function renderSlos() {
    var items = [];
    snapshot.slos.forEach(function (slo) {
      // A group's versions, found in one pass (the summed group and its versions share a name).
      var versions = new Map();
      slo.groups.forEach(function (g) {
        if (g.version === undefined) return;
        var key = JSON.stringify(groupName(g));
        if (!versions.has(key)) versions.set(key, []);
        versions.get(key).push(g);
      });
      var meta = Object.assign({}, slo, { groups: undefined, evaluatedAt: undefined });
      slo.groups.forEach(function (group) {
        if (group.version !== undefined) return;
        var names = groupName(group);
        var key = JSON.stringify(names);
        var own = versions.get(key) || [];
        var subs = own.length > 1 ? own : [];
        items.push({
          key: JSON.stringify([slo.name, names]),
          text: [slo.name, slo.tier, slo.sli, group.level].concat(names, own.map(function (v) { return v.version; })).join(' ').toLowerCase(),
          data: [meta, group, subs],
          rank: sloRank(group),
          budget: group.budgetRemaining,
          render: function () {
            return [sloRow(slo, group, false)].concat(subs.map(function (v) { return sloRow(slo, v, true); }));
          },
        });
      });
    });
    var empty = emptyOr('slos', items, 'No SLO has seen any events yet.');
    if (empty) {
      noTable('slos');
      return setSection('slos', null, empty);
    }
    // Worst first: what pages, then what tickets, then the least budget left (stable otherwise).
    items.sort(function (a, b) { return b.rank - a.rank || a.budget - b.budget; });
    longTable('slos', items.length, ['SLO', 'Tier', 'Service', 'Objective', 'SLI', 'Burn rate', 'Budget left', 'Level'], items, 'worst first');
  }

  function dependencyRow(d) {
    var worst = d.windows.reduce(function (a, w) { return w.calls > 0 && (!a || w.ratio > a.ratio) ? w : a; }, null) || d.windows[0];
    return h('tr', { 'data-dependency': d.dependency },
      td('Dependency', null, h('span', { class: 'mono' }, d.dependency), d.service ? h('div', { class: 'small' }, 'service ' + d.service) : null),
      td('State', null, badge(d.state, stateLabel(d.state, d.allow))),
      td('Windows', null, h('dl', { class: 'win' }, d.windows.map(function (w) {
        return [h('dt', null, w.window), h('dd', { class: w.calls > 0 && w.ratio >= 0.5 ? 'bad' : w.failures > 0 ? 'hot' : undefined },
          w.failures + ' / ' + w.calls + (w.calls > 0 ? ' (' + pctFixed(w.ratio, 1) + ')' : ''))];
      }))),
      td('Instances', { class: 'num' }, worst ? worst.failingInstances + ' failing of ' + worst.reportingInstances : '\u2014'),
      td('Top errors', null, worst && worst.topErrorTypes.length ? worst.topErrorTypes.map(function (t) {
        return h('span', { class: 'chip' }, h('span', { class: 'mono' }, t.type), ' \u00d7' + t.count);
      }) : h('span', { class: 'muted' }, 'none')));
  }

  function renderDependencies() {
    var list = snapshot.dependencies;
    var empty = emptyOr('dependencies', list, 'No dependency traffic seen recently.');
    if (empty) {
      noTable('dependencies');
      return setSection('dependencies', null, empty);
    }
    // The collector sends them open first, then ramping, then closed.
    longTable('dependencies', list.length, ['Dependency', 'State', 'Windows (failures / calls)', 'Instances', 'Top errors'],
      list.map(function (d) {
        return {
          key: JSON.stringify([d.dependency, d.service]),
          text: [d.dependency, d.service || '', stateLabel(d.state, d.allow)].join(' ').toLowerCase(),
          data: d,
          render: function () { return dependencyRow(d); },
        };
      }), 'open first');
  }

  function renderBreakerStates() {
    var list = snapshot.breakerStates;
    var empty = emptyOr('breakerStates', list, 'No SDK has reported breaker states recently.');
    if (empty) {
      noTable('breakerStates');
      return setSection('breakerStates', null, empty);
    }
    var items = list.map(function (b) {
      return {
        key: JSON.stringify([b.service, b.instanceId, b.dependency]),
        text: [b.service, b.instanceId || '', b.dependency, stateLabel(b.state)].join(' ').toLowerCase(),
        data: b,
        rank: b.state in STATE_RANK ? STATE_RANK[b.state] : 3,
        render: function () {
          return h('tr', null,
            td('Service', null, h('span', { class: 'mono' }, b.service)),
            td('Instance', null, h('span', { class: 'mono' }, b.instanceId || '\u2014')),
            td('Dependency', null, h('span', { class: 'mono' }, b.dependency)),
            td('State', null, badge(b.state, stateLabel(b.state))),
            td('Reported', null, rel(b.receivedAtMs, false)));
        },
      };
    });
    items.sort(function (a, b) { return a.rank - b.rank; });
    longTable('breakerStates', list.length, ['Service', 'Instance', 'Dependency', 'State', 'Reported'], items, 'open first');
  }

  // What an alert is about: an SLO (and service) or, for a gate incident, a release.
  function alertSubject(l) {
    if (l.slo) return h('div', { class: 'small' }, l.slo + (l.service ? ' \u00b7 ' + l.service : ''));
    if (l.service && l.version) return h('div', { class: 'small' }, l.service + ' \u00b7 v ' + l.version);
    return null;
  }

  function renderAlerts() {
    var list = snapshot.alerts;
    var empty = emptyOr('alerts', list, 'No alerts fired recently.', true);
    if (empty) {
      noTable('alerts');
      return setSection('alerts', null, empty);
    }
    // The collector sends them firing first, newest first.
    longTable('alerts', list.length, ['State', 'Severity', 'Alert', 'Summary', 'Since'], list.map(function (a) {
      var l = a.labels || {};
      return {
        key: JSON.stringify([a.name, l, a.startsAt]),
        text: [a.state, a.severity, a.name, a.summary].concat(Object.keys(l).map(function (k) { return l[k]; })).join(' ').toLowerCase(),
        data: a,
        render: function () {
          return h('tr', null,
            td('State', null, badge(a.state, a.state)),
            td('Severity', null, badge(a.severity, a.severity)),
            td('Alert', null, h('span', { class: 'mono' }, a.name), alertSubject(l)),
            td('Summary', null, a.summary),
            td('Since', null, rel(a.startsAt, false), a.endsAt ? h('div', { class: 'small' }, 'resolved ', rel(a.endsAt, false)) : null));
        },
      };
    }), 'firing first');
  }

  // The SLO a gate reason is about, with its operation when judged per operation (as the CLI prints it).
  function gateSloLabel(r) {
    var op = r.operation;
    if (!op) return r.slo;
    return r.slo + ' [' + Object.keys(op).map(function (k) { return k + '=' + (op[k] === '' ? '""' : op[k]); }).join(', ') + ']';
  }

  function renderGate() {
    var list = snapshot.gateDecisions;
    var empty = emptyOr('gateDecisions', list, 'No deployment gate decisions yet.');
    if (empty) return setSection('gateDecisions', null, empty);
    setSection('gateDecisions', list.length, table(['Decision', 'Release', 'Window', 'Reasons', 'When'], list.map(function (g) {
      return h('tr', null,
        td('Decision', null, badge(g.decision, g.decision)),
        td('Release', null, h('span', { class: 'mono' }, g.service), ' ', versionChip(g.version),
          g.baseline && g.baseline.length ? h('div', { class: 'small' }, 'vs ' + g.baseline.join(', ')) : null),
        td('Window', { class: 'num' }, g.window),
        td('Reasons', null, g.reasons.length ? h('ul', { class: 'reasons' }, g.reasons.map(function (r) {
          return h('li', null, r.message, r.slo ? h('span', { class: 'small' }, ' (' + gateSloLabel(r) + ')') : null);
        })) : h('span', { class: 'muted' }, 'none')),
        td('When', null, rel(g.evaluatedAt, false), h('div', { class: 'small' }, at(g.evaluatedAt))));
    })));
  }

  function renderSummary() {
    var pills = [];
    var open = snapshot.signals.filter(function (x) { return x.state === 'open'; }).length;
    var ramp = snapshot.signals.filter(function (x) { return x.state === 'half_open'; }).length;
    if (open) pills.push(badge('open', open + ' open'));
    if (ramp) pills.push(badge('half_open', ramp + ' ramping'));
    var burning = 0;
    snapshot.slos.forEach(function (slo) { slo.groups.forEach(function (g) { if (g.version === undefined && g.alerts.length) burning++; }); });
    if (burning) pills.push(badge('firing', burning + ' SLO' + (burning === 1 ? '' : 's') + ' burning'));
    // Firing alerts the SLO rows do not stand for: the gate's incidents (a ROLLBACK pages, a HALT
    // opens a ticket) and SLO level alerts. Each pill takes the colour of its most severe alert.
    var firing = { gate: [], other: [] };
    snapshot.alerts.forEach(function (a) {
      if (a.state === 'firing' && a.name !== BURN_ALERT) firing[a.name === GATE_ALERT ? 'gate' : 'other'].push(a);
    });
    var severest = function (list) { return list.some(function (a) { return a.severity === 'page'; }) ? 'page' : 'ticket'; };
    if (firing.gate.length) pills.push(badge(severest(firing.gate), firing.gate.length + ' gate incident' + (firing.gate.length === 1 ? '' : 's')));
    if (firing.other.length) pills.push(badge(severest(firing.other), firing.other.length + ' alert' + (firing.other.length === 1 ? '' : 's') + ' firing'));
    if (!pills.length) pills.push(badge('ok', 'all clear'));
    $('summary').replaceChildren.apply($('summary'), pills);
  }

  function render() {
    if (!snapshot) return;
    renderSummary();
    renderSignals();
    renderSlos();
    renderDependencies();
    renderBreakerStates();
    renderAlerts();
    renderGate();
    $('updated').replaceChildren('updated ', h('time', { datetime: new Date(snapshot.now).toISOString() }, new Date(snapshot.now).toLocaleTimeString()));
    document.body.setAttribute('data-rendered', String(snapshot.now));
  }

  function tickRelative() {
    var els = document.querySelectorAll('.rel');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      el.textContent = relText(Number(el.getAttribute('data-t')), el.getAttribute('data-future') === '1');
    }
  }

  // ---- connection ----
  function setConn(state, text) {
    var el = $('conn');
    el.setAttribute('data-state', state);
    el.textContent = text;
    document.body.setAttribute('data-conn', state);
    showStale(state !== 'live' && state !== 'unauthorized' && snapshot ? Math.max(snapshot.now, heardAt + skew) : null);
  }

  // While the stream is down the page keeps the last snapshot: say since when it has not been
  // confirmed, so nobody reads a breaker as closed or an SLO as healthy from data that has
  // stopped updating.
  function showStale(since) {
    var el = $('stale');
    if (since === null) {
      el.hidden = true;
      el.replaceChildren();
      return;
    }
    el.hidden = false;
    el.replaceChildren('Not live: what follows is the last data received, from ', rel(since, false),
      ' (', at(since), '). It updates again once the connection is back.');
  }

  function showAuth(status, hadToken) {
    snapshot = null;
    $('data').hidden = true;
    $('auth').hidden = false;
    $('summary').replaceChildren();
    $('updated').replaceChildren();
    var msg = status === 403
      ? 'This token is valid but lacks the admin scope. Use a token with the admin scope.'
      : hadToken ? 'The token was not accepted. Check it and try again.'
      : 'This collector requires a token. Enter a token with the admin scope.';
    $('auth-msg').textContent = msg;
    $('auth-msg').className = hadToken ? 'problem' : '';
    $('signout').hidden = !hadToken;
    setConn('unauthorized', status === 403 ? 'Forbidden (403)' : 'Unauthorized (401)');
    $('token').focus();
  }

  function hideAuth() {
    $('auth').hidden = true;
    $('data').hidden = false;
    $('signout').hidden = !sessionStorage.getItem(TOKEN_KEY);
  }

  // reason: why the stream is down, when the collector said (e.g. too many viewers).
  function scheduleRetry(reason) {
    clearTimeout(retryTimer);
    setConn('reconnecting', (reason ? reason + ' \u00b7 ' : '') + 'Reconnecting in ' + Math.round(backoff / 1000) + 's\u2026');
    retryTimer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 15000);
  }

  // What a refused stream request means to the person looking at the page.
  function refusal(res) {
    if (res.status === 503) return 'Collector busy (too many status viewers)';
    return 'Collector answered ' + res.status;
  }

  // The collector's Retry-After, in ms (bounded), or the current back-off.
  function retryAfter(res) {
    var seconds = Number(res.headers.get('retry-after'));
    return seconds > 0 ? Math.min(Math.max(seconds * 1000, 1000), 60000) : backoff;
  }

  // Returns false when the stream is out of step (a delta to a snapshot the page does not hold).
  function handleEvent(block) {
    var event = 'message', data = [], id = null;
    var lines = block.split('\n');
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (line === '' || line.charAt(0) === ':') continue;
      var colon = line.indexOf(':');
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.charAt(0) === ' ') value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) backoff = Math.max(500, Number(value));
    }
    if ((event !== STATUS_EVENT && event !== DELTA_EVENT) || data.length === 0) return true;
    var parsed;
    try {
      parsed = JSON.parse(data.join('\n'));
    } catch (e) {
      return event === STATUS_EVENT; // a delta lost leaves the page behind
    }
    if (event === STATUS_EVENT) snapshot = parsed;
    else if (snapshot && snapshotId !== null && parsed.from === snapshotId) applyDelta(snapshot, parsed);
    else return false;
    snapshotId = id;
    skew = snapshot.now - Date.now();
    render();
    document.body.setAttribute('data-snapshot', String(id));
    return true;
  }

  async function connect() {
    clearTimeout(retryTimer);
    if (controller) controller.abort();
    var mine = new AbortController();
    controller = mine;
    snapshotId = null; // a new stream starts with a full snapshot
    var token = sessionStorage.getItem(TOKEN_KEY);
    var headers = { Accept: 'text/event-stream' };
    if (token) headers.Authorization = 'Bearer ' + token;
    if (!snapshot) setConn('connecting', 'Connecting\u2026');
    var res;
    try {
      res = await fetch(EVENTS_URL, { headers: headers, signal: mine.signal, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      if (controller === mine) scheduleRetry();
      return;
    }
    if (res.status === 401 || res.status === 403) {
      showAuth(res.status, !!token);
      return;
    }
    if (!res.ok || !res.body) {
      if (controller === mine) {
        backoff = retryAfter(res);
        scheduleRetry(res.ok ? '' : refusal(res));
      }
      return;
    }
    hideAuth();
    setConn('live', 'Live');
    backoff = 1000;
    lastData = Date.now();
    var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    var buffer = '';
    try {
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        lastData = heardAt = Date.now();
        buffer = (buffer + chunk.value).replace(/\r\n?/g, '\n');
        var end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          var block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!handleEvent(block)) {
            connect(); // out of step: a new stream starts with a full snapshot
            return;
          }
        }
      }
    } catch (e) {
      // aborted or network error: reconnect below
    }
    if (controller === mine) scheduleRetry();
  }

  $('auth-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var value = $('token').value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    $('token').value = '';
    backoff = 1000;
    connect();
  });
  $('signout').addEventListener('click', function () {
    sessionStorage.removeItem(TOKEN_KEY);
    backoff = 1000;
    connect();
  });
  setInterval(function () {
    tickRelative();
    if ($('conn').getAttribute('data-state') === 'live' && Date.now() - lastData > STALE_MS && controller) {
      controller.abort(); // silent stream: the loop above reconnects
    }
  }, 1000);
  connect();
})();
`;
