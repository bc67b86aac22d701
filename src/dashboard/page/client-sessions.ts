/**
 * The page script's running sessions, with their elapsed time and time
 * since progress ticking between updates, and the log panel that follows
 * one session's log as server-sent events.
 */
export const CLIENT_SESSIONS = String.raw`
var selected = null;
var follower = null;

/** The server's now, moved on by the time since it was received (only while a run is live: a finished state stands still). */
function serverNow() {
  if (!state) return Date.now();
  return state.live ? state.now + (Date.now() - receivedAt) : state.now;
}

function riskOf(sinceMs, s, stalledAt) {
  if (stalledAt !== null || sinceMs >= s.stallTimeoutMs) return 'stalled';
  return sinceMs >= s.stallTimeoutMs / 2 ? 'warn' : 'ok';
}

function renderSessions(s) {
  var now = serverNow();
  var rows = s.sessions.map(function (x) {
    var since = Math.max(0, now - x.lastProgressAt);
    var risk = riskOf(since, s, x.stalledAt);
    var quiet = x.logHost ? 'log on ' + x.logHost : x.hasLog ? '' : 'no output yet';
    var activity = x.activity ? [x.activity.source === 'log' ? h('span', { class: 'src', text: 'log › ' }) : null, x.activity.text] : h('span', { class: 'muted', text: quiet });
    var cancel = canAct(s) ? h('button', { class: 'danger', 'data-action': 'cancel-session', 'data-target': x.id, text: 'Cancel' }) : null;
    return h('tr', { 'data-session': x.id, 'data-label': x.issueId + ' attempt ' + x.attempt, class: 'risk-' + risk + (selected === x.id ? ' selected' : '') },
      h('td', { class: 'id', text: x.issueId }),
      h('td', { class: 'title', text: x.title }),
      h('td', { class: 'id', title: x.coordinator ? 'on coordinator ' + x.coordinator : null }, x.workerId, x.coordinator ? h('div', { class: 'muted coordinator', text: x.coordinator }) : null),
      h('td', { text: x.attempt }),
      h('td', { text: duration(now - x.startedAt) }),
      h('td', null, h('span', { class: 'risk ' + risk, title: risk === 'ok' ? 'making progress' : risk === 'warn' ? 'over half the stall timeout without progress' : 'stalled, or at the stall timeout', text: duration(since) })),
      h('td', { class: 'activity' }, activity),
      h('td', { text: compact(x.inputTokens) + ' / ' + compact(x.outputTokens) }),
      h('td', { text: usd(x.costUsd) }),
      h('td', null, cancel));
  });
  byId('sessions').replaceChildren.apply(byId('sessions'), rows);
  byId('sessions-empty').hidden = rows.length > 0;
  byId('sessions-count').textContent = String(rows.length);
}

byId('sessions').addEventListener('click', function (event) {
  if (event.target.closest('button')) return;
  var row = event.target.closest('tr[data-session]');
  if (row) openLog(row.getAttribute('data-session'), row.getAttribute('data-label'));
});

/** Follow a session's log in the panel: what it holds so far, then what the agent writes, until the session ends. */
function openLog(sessionId, label) {
  closeLog();
  selected = sessionId;
  var panel = byId('log-panel'), pre = byId('log-text'), status = byId('log-state');
  panel.hidden = false;
  pre.replaceChildren();
  byId('log-title').textContent = label || sessionId;
  byId('log-raw').setAttribute('href', withToken('/api/sessions/' + encodeURIComponent(sessionId) + '/log.txt'));
  status.textContent = 'connecting';
  var size = 0;
  var source = new EventSource(withToken('/api/sessions/' + encodeURIComponent(sessionId) + '/log'));
  follower = source;
  source.addEventListener('status', function (e) {
    var info = JSON.parse(e.data);
    if (info.state === 'waiting') { status.textContent = 'no output yet'; return; }
    // A (re)connection sends the log again from its tail: start over.
    pre.replaceChildren();
    size = 0;
    status.textContent = 'following' + (info.skippedBytes ? ' (first ' + count(info.skippedBytes) + ' bytes not shown)' : '');
  });
  source.addEventListener('reset', function () { pre.replaceChildren(); size = 0; });
  source.addEventListener('chunk', function (e) {
    var text = JSON.parse(e.data);
    var atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 24;
    pre.appendChild(document.createTextNode(text));
    size += text.length;
    // Keep the panel light: drop the oldest text past 2 MB.
    while (size > 2000000 && pre.firstChild) { size -= pre.firstChild.textContent.length; pre.removeChild(pre.firstChild); }
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  });
  source.addEventListener('end', function (e) {
    var info = JSON.parse(e.data);
    status.textContent = info.elsewhere ? 'its log is on ' + info.elsewhere + ': open the dashboard there to read it'
      : 'session ended' + (info.outcome ? ': ' + info.outcome : '') + (info.noOutput ? ' (no output)' : '');
    source.close();
    if (follower === source) follower = null;
  });
  source.onerror = function () { if (follower === source) status.textContent = 'reconnecting…'; };
  if (state) renderSessions(state);
}

function closeLog() {
  if (follower) follower.close();
  follower = null;
  selected = null;
  byId('log-panel').hidden = true;
}
byId('log-close').addEventListener('click', function () { closeLog(); if (state) renderSessions(state); });
`;
