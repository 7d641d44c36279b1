import { createHash } from 'node:crypto';
import { PAGE_CSS } from './page-css.ts';
import { PAGE_SCRIPT } from './page-script.ts';

/** `filter`: a long table (a row per service, instance or alert) with a filter box. */
const SECTIONS: readonly { id: string; title: string; filter?: boolean }[] = [
  { id: 'signals', title: 'Fleet signals' },
  { id: 'slos', title: 'Service level objectives', filter: true },
  { id: 'dependencies', title: 'Dependency health', filter: true },
  { id: 'breakerStates', title: 'SDK breaker states', filter: true },
  { id: 'alerts', title: 'Recent alerts', filter: true },
  { id: 'gateDecisions', title: 'Recent gate decisions' },
];

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * `Content-Security-Policy` of the page: nothing but same-origin requests, and only the page's
 * own inline script and stylesheet (pinned by hash, so no `unsafe-inline` and no nonce to leak).
 */
export const PAGE_CSP = [
  "default-src 'self'",
  `script-src ${sha256(PAGE_SCRIPT)}`,
  `style-src ${sha256(PAGE_CSS)}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The status page: a static shell with no collector data in it (it is served without auth); the
 * script fills it from `GET /v1/status/events`.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Breakwater status</title>
<link rel="icon" href="data:,">
<style>${PAGE_CSS}</style>
</head>
<body data-conn="connecting">
<header>
<h1>Breakwater</h1><span class="sub">collector status</span>
<div id="summary" class="summary" aria-live="polite"></div>
<span class="spacer"></span>
<span id="updated" class="small"></span>
<span id="conn" class="conn" data-state="connecting" role="status">Connecting…</span>
<button id="signout" type="button" hidden>Forget token</button>
</header>
<main>
<section id="auth" class="panel auth" aria-labelledby="auth-title" hidden>
<h2 id="auth-title">Sign in</h2>
<p id="auth-msg"></p>
<form id="auth-form" autocomplete="off">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" spellcheck="false" autocapitalize="off" required>
<button class="primary" type="submit">Connect</button>
</form>
<p class="small">The token stays in this browser tab (sessionStorage) and is sent as <code>Authorization: Bearer</code>.</p>
</section>
<p id="stale" class="stale" role="status" hidden></p>
<div id="data">
${SECTIONS.map(
  (s) => `<section class="panel" id="panel-${s.id}" aria-labelledby="title-${s.id}">
<h2 id="title-${s.id}">${s.title} <span class="count" id="count-${s.id}"></span></h2>${
    s.filter
      ? `\n<input type="search" class="filter" id="filter-${s.id}" placeholder="Filter (service, SLO, label…)" aria-label="Filter ${s.title.toLowerCase()}" autocomplete="off" spellcheck="false" hidden>`
      : ''
  }
<div id="sec-${s.id}"><p class="empty">Waiting for data…</p></div>
</section>`,
).join('\n')}
</div>
</main>
<footer>Breakwater collector · live over Server-Sent Events · the same data as JSON: <code>GET /v1/status</code></footer>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
