/** The page script's fleet view: header, tiles, holds, coordinators, charts and the event feed. */
export const CLIENT_FLEET = String.raw`
function renderHeader(s) {
  byId('state-path').textContent = s.state;
  var live = byId('live');
  live.textContent = s.live ? 'live run' : 'no live run';
  live.className = 'badge ' + (s.live ? 'live' : 'ended');
  byId('as-of').textContent = s.nowSource === 'clock' ? '' : 'as of ' + stamp(s.now) + ', the last thing recorded';
  renderActionsBar(s);
}

function tile(label, value, sub, tone) {
  return h('div', { class: 'tile ' + (tone || '') }, h('div', { class: 'label', text: label }), h('div', { class: 'value', text: value }), sub ? h('div', { class: 'sub', text: sub }) : null);
}

function renderTiles(s) {
  var f = s.fleet, w = f.workers;
  var spend = f.spend;
  var tiles = [
    tile('Workers', count(w.current), w.busy + ' busy · ' + w.idle + ' idle · ' + w.draining + ' draining' + (w.stalled ? ' · ' + w.stalled + ' stalled' : ''), w.stalled ? 'warn' : ''),
    tile('Queue', count(f.queueDepth), f.mergeQueueDepth ? f.mergeQueueDepth + ' waiting to merge' : 'waiting for a worker'),
    tile('Throughput', f.throughputPerMinute.toFixed(f.throughputPerMinute < 10 ? 1 : 0) + '/min', count(f.completed) + ' done · ' + count(f.failed) + ' failed'),
    tile('Latency p50 / p95', duration(f.latency.p50Ms) + ' / ' + duration(f.latency.p95Ms), 'mean ' + duration(f.latency.meanMs) + ' · p99 ' + duration(f.latency.p99Ms)),
    tile('Success rate', percent(f.successRate), 'of counted sessions', f.successRate < 0.8 ? 'bad' : f.successRate < 0.95 ? 'warn' : 'good'),
    tile('Health', f.health, f.backpressure.active ? 'backpressure on' : 'backpressure off · ' + f.backpressure.activations + ' activations', f.health === 'healthy' ? 'good' : f.health === 'degraded' ? 'warn' : 'bad'),
    tile('Cost', usd(spend.costUsd), compact(spend.inputTokens) + ' in · ' + compact(spend.outputTokens) + ' out tokens' + (spend.runningCostUsd ? ' · ' + usd(spend.runningCostUsd) + ' running' : '')),
    tile('Scale operations', count(f.scaleOperations.up + f.scaleOperations.down), '▲ ' + f.scaleOperations.up + ' up · ▼ ' + f.scaleOperations.down + ' down'),
  ];
  byId('tiles').replaceChildren.apply(byId('tiles'), tiles);
}

function renderHolds(s) {
  var on = s.holds.filter(function (x) { return x.endedAt === null; });
  byId('holds').replaceChildren.apply(byId('holds'), on.map(function (x) {
    var ends = x.until !== null ? 'lifts at ' + stamp(x.until) : x.kind === 'paused' ? 'until resumed' : 'until lifted';
    var lift = canAct(s) ? h('button', { class: x.kind === 'paused' ? 'primary' : '', 'data-action': x.kind === 'paused' ? 'resume' : 'lift-hold', 'data-target': x.kind === 'paused' ? null : x.kind, text: x.kind === 'paused' ? 'Resume' : 'Lift' }) : null;
    return h('div', { class: 'hold ' + x.kind, 'data-hold': x.kind },
      h('span', { class: 'what', text: 'hold: ' + x.kind }),
      h('span', { class: 'grow' }, h('span', { text: x.reason }), ' ', h('span', { class: 'fix', text: '— ' + x.fix })),
      h('span', { class: 'muted', text: 'since ' + clock(x.since) + ' · ' + ends }), lift);
  }));
}

/** The chip each coordinator state wears: live is good, late and gone need a look, dead is bad. */
var COORDINATOR_TONE = { live: 'done', late: 'lost', ended: 'ended', dead: 'failed', gone: 'lost' };

function renderCoordinators(s) {
  byId('coordinators-card').hidden = s.coordinators.length === 0;
  byId('coordinators').replaceChildren.apply(byId('coordinators'), s.coordinators.map(function (c) {
    var title = c.endedBy || (c.state === 'late' ? 'its heartbeat is older than its lease: the fleet will presume it dead' : null);
    return h('tr', { 'data-coordinator': c.id, 'data-state': c.state }, h('td', { class: 'id', text: c.id }), h('td', { text: c.hostname }), h('td', { text: c.pid }),
      h('td', null, chip(c.state, COORDINATOR_TONE[c.state] || 'lost', title)), h('td', { text: stamp(c.startedAt) }),
      h('td', { title: stamp(c.heartbeatAt), text: c.live || c.state === 'late' ? duration(c.heartbeatAgeMs) + ' ago' : '—' }),
      h('td', { text: c.workers.busy }), h('td', { text: c.workers.idle }), h('td', { text: c.workers.draining }), h('td', { text: c.workers.stalled }));
  }));
}

function renderCharts(s) {
  var c = s.charts, el = byId('charts');
  byId('charts-span').textContent = c.from === null ? '' : clock(c.from) + ' – ' + clock(c.to);
  if (c.points.length === 0) { el.replaceChildren(h('div', { class: 'empty', text: 'No metric snapshot yet: a running harness records one at every health check.' })); return; }
  var p = c.points;
  var pick = function (k) { return p.map(function (x) { return x[k]; }); };
  el.replaceChildren(
    chart('Workers and queue depth', [['workers', pick('workers')], ['queue depth', pick('queueDepth')], ['busy', pick('busy')]], p, function (v) { return String(Math.round(v)); }),
    chart('Throughput', [['done per minute', pick('throughputPerMinute')]], p, function (v) { return v.toFixed(1); }),
    chart('Cost', [['USD spent', pick('costUsd')]], p, usd));
}

/** A line chart as inline SVG: each series a polyline over the shared time axis, the largest value and the ends labelled. */
function chart(title, series, points, label) {
  var W = 600, H = 150, L = 44, R = 8, T = 8, B = 20;
  var max = 0;
  series.forEach(function (x) { x[1].forEach(function (v) { if (v > max) max = v; }); });
  if (max <= 0) max = 1;
  var t0 = points[0].at, t1 = points[points.length - 1].at, span = Math.max(1, t1 - t0);
  var X = function (at) { return L + ((at - t0) / span) * (W - L - R); };
  var Y = function (v) { return T + (1 - v / max) * (H - T - B); };
  var root = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': title });
  [0, 0.5, 1].forEach(function (f) {
    var y = Y(max * f);
    root.appendChild(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y, y2: y }));
    root.appendChild(svg('text', { class: 'axis', x: L - 4, y: y + 3, 'text-anchor': 'end' }, label(max * f)));
  });
  root.appendChild(svg('text', { class: 'axis', x: L, y: H - 5 }, clock(t0)));
  root.appendChild(svg('text', { class: 'axis', x: W - R, y: H - 5, 'text-anchor': 'end' }, clock(t1)));
  series.forEach(function (x, i) {
    var pts = x[1].map(function (v, j) { return X(points[j].at).toFixed(1) + ',' + Y(v).toFixed(1); }).join(' ');
    root.appendChild(svg('polyline', { class: 's' + i, points: points.length === 1 ? pts + ' ' + pts : pts }));
  });
  var keys = series.map(function (x, i) { return h('span', { class: 'key' }, h('i', { class: 's' + i }), x[0]); });
  return h('figure', null, h('figcaption', null, title, keys), root);
}

var FEED_KIND = { 'scale:up': '▲ scale up', 'scale:down': '▼ scale down', 'backpressure:on': 'backpressure', 'backpressure:off': 'backpressure', 'session:stalled': 'stall', 'session:timeout': 'timeout',
  'pool:recycled': 'recycle', 'session:failed': 'failure', 'hold:on': 'hold', 'hold:off': 'hold lifted', 'merge:landed': 'merge', 'merge:opened': 'pull request', 'merge:rejected': 'merge', control: 'request' };

function renderFeed(s) {
  var list = byId('feed');
  if (s.events.length === 0) { list.replaceChildren(h('li', { class: 'empty', text: 'Nothing has happened yet.' })); return; }
  list.replaceChildren.apply(list, s.events.map(function (e) {
    return h('li', { class: e.tone, 'data-kind': e.kind }, h('time', { text: clock(e.at), title: stamp(e.at) }), h('span', { class: 'kind', text: FEED_KIND[e.kind] || e.kind }), h('span', { class: 'text', text: e.text }));
  }));
}
`;
