/**
 * The dashboard page: one HTML document with its style and script inline
 * (nothing fetched from anywhere: it works offline), run under a content
 * security policy that lets only them run, by the nonce of each answer.
 * The markup holds no data: the script fills it in from the server's
 * events, and every text it shows goes in as a text node or an attribute
 * value, never as markup.
 */
import { CLIENT_SCRIPT } from './client.js';
import { STYLE } from './style.js';

const BODY = `
<header>
  <h1>harness</h1><span class="state" id="state-path"></span>
  <span class="badge ended" id="live">connecting</span>
  <span class="muted" id="as-of"></span>
  <span class="spacer"></span>
  <span id="actions-bar"></span>
  <span class="badge conn" id="conn">connecting</span>
</header>
<main>
  <section class="card" id="fleet"><h2>Fleet</h2><div class="tiles" id="tiles"></div><div class="holds" id="holds"></div></section>
  <section class="card" id="coordinators-card" hidden><h2>Coordinators</h2><table><thead><tr><th>coordinator</th><th>host</th><th>pid</th><th>state</th><th>started</th><th>heartbeat</th><th>busy</th><th>idle</th><th>draining</th><th>stalled</th></tr></thead><tbody id="coordinators"></tbody></table></section>
  <section class="card"><h2>Over time <span class="count muted" id="charts-span"></span></h2><div class="charts" id="charts"></div></section>
  <section class="card"><h2>Running sessions <span class="count" id="sessions-count"></span></h2>
    <table><thead><tr><th>issue</th><th>title</th><th>worker</th><th>attempt</th><th>elapsed</th><th>since progress</th><th>last activity</th><th>tokens in / out</th><th>cost</th><th></th></tr></thead><tbody id="sessions"></tbody></table>
    <div class="empty" id="sessions-empty" hidden>No session is running.</div>
  </section>
  <div class="grid2">
    <section class="card"><h2>Issues <span class="count" id="issues-total"></span></h2>
      <div class="toolbar"><input type="search" id="search" placeholder="Search id or title" aria-label="Search issues"><span id="filters"></span></div>
      <div id="issues-wrap"><table><thead><tr><th>issue</th><th>title</th><th>status</th><th>attempts</th><th>outcomes</th><th>last error</th><th>merge</th><th>log</th><th>tracker</th><th></th></tr></thead><tbody id="issues"></tbody></table></div>
      <div class="more"><button id="more" hidden>Show more</button><span id="issues-shown"></span></div>
    </section>
    <section class="card"><h2>Events</h2><ul class="feed" id="feed"></ul></section>
  </div>
</main>
<section id="log-panel" hidden aria-label="Session log"><div class="bar"><span class="grow" id="log-title"></span><span id="log-state" class="muted"></span><a id="log-raw" target="_blank" rel="noopener noreferrer">whole log</a><button id="log-close">Close</button></div><pre id="log-text"></pre></section>
<div id="toast" hidden role="status"></div>`;

export function renderPage(nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>harness dashboard</title><link rel="icon" href="data:,">
<style nonce="${nonce}">${STYLE}</style></head>
<body>${BODY}
<script nonce="${nonce}">${CLIENT_SCRIPT}</script>
</body></html>`;
}
