/**
 * The status page's stylesheet, inlined into the page (allowed by its CSP hash). System fonts
 * only, light and dark schemes, and tables that turn into stacked cards on narrow screens.
 */
export const PAGE_CSS = String.raw`
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #ffffff; --text: #1d2330; --muted: #5d6675; --line: #e2e5ea;
  --ok: #1f7a4d; --ok-bg: #e5f4ec; --warn: #8a5a00; --warn-bg: #fdf2d8;
  --bad: #b42318; --bad-bg: #fde7e5; --info: #1d5fa8; --info-bg: #e3eefa; --chip: #eef0f3;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12151b; --panel: #1a1f27; --text: #e4e7ec; --muted: #9aa3b2; --line: #2b323d;
    --ok: #5cc98f; --ok-bg: #153325; --warn: #f0b849; --warn-bg: #3a2e12;
    --bad: #ff7b70; --bad-bg: #3f1a17; --info: #79b0f0; --info-bg: #172a42; --chip: #262c36;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header {
  display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px;
  padding: 14px 20px; background: var(--panel); border-bottom: 1px solid var(--line);
  position: sticky; top: 0; z-index: 1;
}
header h1 { font-size: 17px; margin: 0; font-weight: 650; letter-spacing: .01em; }
header .sub { color: var(--muted); }
header .spacer { flex: 1; }
.conn { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; color: var(--muted); }
.conn::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--muted); }
.conn[data-state="live"]::before { background: var(--ok); }
.conn[data-state="reconnecting"]::before, .conn[data-state="connecting"]::before { background: var(--warn); }
.stale { margin: 0; padding: 8px 12px; border-radius: 6px; border: 1px solid var(--warn); background: var(--warn-bg); }
body[data-conn="reconnecting"] #data { opacity: 0.6; }
.conn[data-state="unauthorized"]::before, .conn[data-state="error"]::before { background: var(--bad); }
.summary { display: flex; flex-wrap: wrap; gap: 6px; }
main { max-width: 1280px; margin: 0 auto; padding: 16px 20px 40px; display: grid; gap: 16px; }
#data { display: grid; gap: 16px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; min-width: 0; }
.panel h2 { font-size: 15px; margin: 0 0 10px; font-weight: 620; display: flex; align-items: baseline; gap: 8px; }
.panel h2 .count { font-weight: 400; color: var(--muted); font-size: 13px; }
.muted { color: var(--muted); }
.panel input.filter {
  font: inherit; font-size: 13px; width: 100%; max-width: 360px; margin: 0 0 8px; padding: 4px 8px;
  border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--text);
}
p.more { margin: 8px 0 0; display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.empty { color: var(--muted); margin: 4px 0; }
.empty.good::before { content: "\2713  "; color: var(--ok); font-weight: 700; }
.error { color: var(--bad); margin: 4px 0; }
.mono { font-family: var(--mono); font-size: 12.5px; overflow-wrap: anywhere; }
small, .small { font-size: 12px; color: var(--muted); }
button {
  font: inherit; color: var(--text); background: var(--chip); border: 1px solid var(--line);
  border-radius: 6px; padding: 4px 10px; cursor: pointer;
}
button.primary { background: var(--info); border-color: var(--info); color: #fff; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 7px 8px; border-top: 1px solid var(--line); }
th { font-weight: 600; font-size: 12px; color: var(--muted); border-top: 0; white-space: nowrap; }
tr.sub td { border-top: 1px dashed var(--line); font-size: 13px; }
tr.sub td:first-child { padding-left: 22px; }
.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge {
  display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  background: var(--chip); color: var(--muted); white-space: nowrap;
}
.badge.ok, .badge.closed, .badge.PROCEED, .badge.resolved { background: var(--ok-bg); color: var(--ok); }
.badge.warning, .badge.half_open, .badge.HALT, .badge.ticket { background: var(--warn-bg); color: var(--warn); }
.badge.severe, .badge.emergency, .badge.open, .badge.ROLLBACK, .badge.page, .badge.firing, .badge.isolated {
  background: var(--bad-bg); color: var(--bad);
}
.badge.tier { background: var(--info-bg); color: var(--info); font-weight: 500; }
.chip { display: inline-block; background: var(--chip); border-radius: 4px; padding: 0 6px; margin: 1px 4px 1px 0; font-size: 12px; }
.chip .mono { font-size: 12px; }
dl.win { display: grid; grid-template-columns: auto auto; gap: 0 10px; margin: 0; justify-content: start; }
dl.win dt { color: var(--muted); font-size: 12px; }
dl.win dd { margin: 0; font-variant-numeric: tabular-nums; font-size: 13px; }
dd.hot { color: var(--warn); font-weight: 600; }
dd.bad { color: var(--bad); font-weight: 700; }
.budget { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.budget .value { font-variant-numeric: tabular-nums; font-weight: 600; min-width: 4.5em; }
.budget .value.low { color: var(--warn); }
.budget .value.gone { color: var(--bad); }
svg.spark { width: 110px; height: 28px; display: block; }
svg.spark .line { fill: none; stroke: var(--info); stroke-width: 1.5; }
svg.spark .area { fill: var(--info-bg); stroke: none; }
svg.spark .zero { stroke: var(--bad); stroke-width: 1; stroke-dasharray: 3 2; }
svg.spark .frame { fill: none; stroke: var(--line); stroke-width: 1; }
.cards { display: grid; gap: 10px; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); }
.card { border: 1px solid var(--line); border-left: 4px solid var(--muted); border-radius: 8px; padding: 10px 12px; }
.card.open { border-left-color: var(--bad); }
.card.half_open { border-left-color: var(--warn); }
.card.closed { border-left-color: var(--ok); }
.card .title { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; margin-bottom: 4px; }
.card .title .mono { font-weight: 600; font-size: 13.5px; }
.card p { margin: 4px 0; }
.auth { max-width: 520px; }
.auth form { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin: 10px 0 6px; }
.auth label { width: 100%; font-weight: 600; font-size: 13px; }
.auth input {
  flex: 1; min-width: 200px; font: inherit; padding: 6px 8px; border-radius: 6px;
  border: 1px solid var(--line); background: var(--bg); color: var(--text);
}
.auth .problem { color: var(--bad); font-weight: 600; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 0 20px 24px; }
@media (max-width: 760px) {
  header { padding: 10px 12px; position: static; }
  main { padding: 12px 10px 32px; }
  .panel { padding: 12px; }
  table.stack thead { display: none; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack tr { border-top: 1px solid var(--line); padding: 6px 0; }
  table.stack tr.sub { border-top: 1px dashed var(--line); padding-left: 14px; }
  table.stack td { border: 0; padding: 3px 0; display: grid; grid-template-columns: 8.5em 1fr; gap: 8px; }
  table.stack td::before { content: attr(data-label); color: var(--muted); font-size: 12px; }
  table.stack td > .cell { min-width: 0; }
  tr.sub td:first-child { padding-left: 0; }
  .cards { grid-template-columns: 1fr; }
}
`;
