/**
 * The page script's issue table: searched and filtered by status on the
 * server, one page at a time, fetched again when the issues change (at
 * most every two seconds).
 */
export const CLIENT_ISSUES = String.raw`
var STATUSES = ['backlog', 'queued', 'running', 'merging', 'done', 'failed'];
var PAGE = 100;
var table = { status: '', q: '', rows: [], total: 0, version: null, loading: false, again: false, fetchedAt: 0 };

function issuesUrl(offset, limit) {
  return '/api/issues?status=' + encodeURIComponent(table.status) + '&q=' + encodeURIComponent(table.q) + '&offset=' + offset + '&limit=' + limit;
}

/** Fetch the rows shown so far again (or the first page), then draw them. */
function loadIssues(more) {
  if (table.loading) { table.again = true; return Promise.resolve(); }
  table.loading = true;
  var offset = more ? table.rows.length : 0;
  var limit = more ? PAGE : Math.min(500, Math.max(PAGE, table.rows.length));
  return getJson(issuesUrl(offset, limit)).then(function (page) {
    table.rows = more ? table.rows.concat(page.rows) : page.rows;
    table.total = page.total;
    table.version = page.version;
    table.fetchedAt = Date.now();
    renderIssues();
  }).catch(function (error) { toast('issues: ' + error.message, true); }).then(function () {
    table.loading = false;
    if (table.again) { table.again = false; return loadIssues(false); }
  });
}

/** The state said the issues changed: fetch again, at most every 2 s. */
function issuesChanged(version) {
  if (version === table.version || table.loading) return;
  var wait = 2000 - (Date.now() - table.fetchedAt);
  if (wait <= 0) { loadIssues(false); return; }
  if (!table.timer) table.timer = setTimeout(function () { table.timer = null; if (state && state.issues.version !== table.version) loadIssues(false); }, wait);
}

function renderFilters(counts) {
  var total = STATUSES.reduce(function (n, k) { return n + (counts[k] || 0); }, 0);
  var button = function (status, label, n) {
    return h('button', { class: 'filter' + (table.status === status ? ' on' : ''), 'data-status': status, text: label + ' ' + count(n) });
  };
  byId('filters').replaceChildren.apply(byId('filters'), [button('', 'all', total)].concat(STATUSES.map(function (k) { return button(k, k, counts[k] || 0); })));
}

function outcomes(attempts) {
  return h('span', { class: 'chips' }, attempts.map(function (a) {
    var text = a.outcome || 'running';
    return chip(String(a.attempt), a.outcome || 'running', 'attempt ' + a.attempt + ': ' + text + (a.reason ? ' — ' + a.reason : ''));
  }));
}

function mergeCell(merge) {
  if (!merge) return h('span', { class: 'muted', text: '—' });
  var link = safeUrl(merge.url);
  return h('span', null, chip(merge.state, merge.state, merge.reason || merge.branch), link ? [' ', h('a', { href: link, target: '_blank', rel: 'noopener noreferrer', text: 'pull request' })] : null);
}

function renderIssues() {
  var actions = state && canAct(state);
  var rows = table.rows.map(function (r) {
    var i = r.issue;
    var last = r.attempts.length ? r.attempts[r.attempts.length - 1] : null;
    var logs = last && last.logPath !== null ? [
      last.outcome === null ? h('a', { href: '#', 'data-follow': last.sessionId, 'data-label': i.id + ' attempt ' + last.attempt, text: 'follow' }) : null,
      last.outcome === null ? ' · ' : null,
      h('a', { href: withToken('/api/sessions/' + encodeURIComponent(last.sessionId) + '/log.txt'), target: '_blank', rel: 'noopener noreferrer', text: 'attempt ' + last.attempt }),
    ] : h('span', { class: 'muted', text: '—' });
    var tracker = safeUrl(r.trackerUrl);
    return h('tr', { 'data-issue': i.id },
      h('td', { class: 'id', text: i.id }),
      h('td', { class: 'title', text: i.title }),
      h('td', null, chip(i.status)),
      h('td', { text: i.priorAttempts + i.attempts }),
      h('td', null, outcomes(r.attempts)),
      h('td', { class: 'error', text: i.lastError || '' }),
      h('td', null, mergeCell(r.merge)),
      h('td', null, logs),
      h('td', null, tracker ? h('a', { href: tracker, target: '_blank', rel: 'noopener noreferrer', text: 'open' }) : h('span', { class: 'muted', text: r.trackerUrl ? r.trackerUrl : '—' })),
      h('td', null, actions && i.status === 'failed' ? h('button', { 'data-action': 'retry-issue', 'data-target': i.id, text: 'Retry' }) : null));
  });
  byId('issues').replaceChildren.apply(byId('issues'), rows);
  byId('issues-total').textContent = count(table.total);
  byId('issues-shown').textContent = table.total === 0 ? 'No issue matches.' : 'showing ' + count(table.rows.length) + ' of ' + count(table.total);
  byId('more').hidden = table.rows.length >= table.total;
}

var searchTimer = null;
byId('search').addEventListener('input', function (e) {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(function () { table.q = e.target.value; table.rows = []; loadIssues(false); }, 200);
});
byId('filters').addEventListener('click', function (e) {
  var b = e.target.closest('button[data-status]');
  if (!b) return;
  table.status = b.getAttribute('data-status');
  table.rows = [];
  if (state) renderFilters(state.issues.counts);
  loadIssues(false);
});
byId('more').addEventListener('click', function () { loadIssues(true); });
byId('issues').addEventListener('click', function (e) {
  var a = e.target.closest('a[data-follow]');
  if (!a) return;
  e.preventDefault();
  openLog(a.getAttribute('data-follow'), a.getAttribute('data-label'));
});
`;
