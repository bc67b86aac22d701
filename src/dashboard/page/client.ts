/**
 * The page script: the live state from `/api/stream` drawn into the page
 * on every event, the running sessions' clocks ticking in between, and the
 * actions. Each update is timed as a `harness:update` performance measure,
 * and the first full render (state and issue table) as
 * `harness:first-render`, for the benchmark and for anyone profiling it.
 */
import { CLIENT_CORE } from './client-core.js';
import { CLIENT_FLEET } from './client-fleet.js';
import { CLIENT_ISSUES } from './client-issues.js';
import { CLIENT_SESSIONS } from './client-sessions.js';

const CLIENT_MAIN = String.raw`
var state = null;
var receivedAt = 0;
var firstRender = false;

function render(s) {
  renderHeader(s);
  renderTiles(s);
  renderHolds(s);
  renderCoordinators(s);
  renderCharts(s);
  renderSessions(s);
  renderFeed(s);
  renderFilters(s.issues.counts);
  issuesChanged(s.issues.version);
}

function setConnection(text, down) {
  var el = byId('conn');
  el.textContent = text;
  el.className = 'badge conn' + (down ? ' down' : '');
}

function connect() {
  var source = new EventSource(withToken('/api/stream'));
  source.addEventListener('state', function (e) {
    var start = performance.now();
    state = JSON.parse(e.data);
    receivedAt = Date.now();
    render(state);
    performance.measure('harness:update', { start: start, end: performance.now() });
    setConnection('connected', false);
    markFirstRender();
  });
  source.addEventListener('problem', function (e) { setConnection('store unreadable: ' + JSON.parse(e.data).message, true); });
  source.onerror = function () { setConnection('reconnecting…', true); };
}

function markFirstRender() {
  if (firstRender || !state || table.version === null) return;
  firstRender = true;
  performance.measure('harness:first-render', { start: 0, end: performance.now() });
  document.body.setAttribute('data-ready', '1');
}

function renderActionsBar(s) {
  var bar = byId('actions-bar');
  // Only a running harness takes requests.
  if (!s.actions || !s.live) { bar.replaceChildren(); return; }
  var paused = s.holds.some(function (x) { return x.kind === 'paused' && x.endedAt === null; });
  var button = h('button', { 'data-action': paused ? 'resume' : 'pause', text: paused ? 'Resume dispatch' : 'Pause dispatch' });
  if (TOKEN) { bar.replaceChildren(button); return; }
  if (bar.querySelector('input')) return;
  var input = h('input', { type: 'password', placeholder: 'token for actions', 'aria-label': 'token for actions', autocomplete: 'off' });
  var save = h('button', { text: 'Use token', onclick: function () {
    if (!input.value) return;
    TOKEN = input.value;
    sessionStorage.setItem('harness-dashboard-token', TOKEN);
    renderActionsBar(state);
  } });
  bar.replaceChildren(input, save);
}

/** Ask the running harness to do something; what came of it shows in the event feed. */
function act(kind, target) {
  if (!TOKEN) { toast('actions need the token harness printed at start', true); return; }
  fetch('/api/actions', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Harness-Token': TOKEN }, body: JSON.stringify({ kind: kind, target: target }) })
    .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
    .then(function (r) {
      if (!r.ok) { toast(r.body.error || 'the request was refused', true); return; }
      toast('requested: ' + kind + (target ? ' ' + target : '') + ' — the run answers in the event feed');
    })
    .catch(function (error) { toast('could not send the request: ' + error.message, true); });
}

document.addEventListener('click', function (e) {
  var b = e.target.closest('button[data-action]');
  if (!b) return;
  e.stopPropagation();
  act(b.getAttribute('data-action'), b.getAttribute('data-target'));
});

// Between updates, the running sessions' clocks go on.
setInterval(function () { if (state && state.live && state.sessions.length) renderSessions(state); }, 1000);

loadIssues(false).then(markFirstRender);
connect();
`;

/** The whole script, in one function scope: nothing it defines is a global of the page. */
export const CLIENT_SCRIPT = `(function () {\n'use strict';\n${CLIENT_CORE}\n${CLIENT_FLEET}\n${CLIENT_SESSIONS}\n${CLIENT_ISSUES}\n${CLIENT_MAIN}\n})();`;
