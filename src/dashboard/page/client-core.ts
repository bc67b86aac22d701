/**
 * The page script's helpers: the token, requests, building elements
 * (text only ever as text nodes and attribute values), links that may only
 * go to http(s), and the formats of times, durations, money and counts.
 */
export const CLIENT_CORE = String.raw`
var query = new URLSearchParams(location.search);
var TOKEN = query.get('token') || sessionStorage.getItem('harness-dashboard-token') || null;

function withToken(path) {
  if (!TOKEN) return path;
  return path + (path.indexOf('?') < 0 ? '?' : '&') + 'token=' + encodeURIComponent(TOKEN);
}

function getJson(path) {
  var headers = TOKEN ? { 'X-Harness-Token': TOKEN } : {};
  return fetch(withToken(path), { headers: headers }).then(function (r) {
    return r.json().then(function (body) {
      if (!r.ok) throw new Error(body && body.error ? body.error : 'HTTP ' + r.status);
      return body;
    });
  });
}

/** An element with properties (text as a text node; on* as listeners; the rest as attribute values) and children. */
function h(tag, props) {
  var el = document.createElement(tag);
  if (props) {
    for (var key in props) {
      var value = props[key];
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') el.textContent = String(value);
      else if (key === 'class') el.className = value;
      else if (key.slice(0, 2) === 'on') el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, String(value));
    }
  }
  for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
  return el;
}

function add(el, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) { for (var i = 0; i < child.length; i++) add(el, child[i]); return; }
  el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
}

var SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
  var el = document.createElementNS(SVG, tag);
  for (var key in attrs) el.setAttribute(key, String(attrs[key]));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Actions are shown only when allowed and a harness run is live to take them. */
function canAct(s) { return Boolean(s && s.actions && s.live); }

function byId(id) { return document.getElementById(id); }

/** A link only to http(s): anything else (javascript:, data:) is shown as text. */
function safeUrl(text) {
  if (typeof text !== 'string') return null;
  try {
    var url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch (e) {
    return null;
  }
}

function pad(n) { return n < 10 ? '0' + n : String(n); }
function clock(at) {
  if (at === null || at === undefined) return '—';
  var d = new Date(at);
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}
function stamp(at) {
  if (at === null || at === undefined) return '—';
  var d = new Date(at);
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + clock(at);
}
function duration(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) return '—';
  ms = Math.max(0, ms);
  if (ms < 1000) return Math.round(ms) + 'ms';
  var s = Math.floor(ms / 1000);
  if (s < 60) return s + 's';
  var m = Math.floor(s / 60);
  if (m < 60) return m + 'm ' + pad(s % 60) + 's';
  var hours = Math.floor(m / 60);
  if (hours < 48) return hours + 'h ' + pad(m % 60) + 'm';
  return Math.floor(hours / 24) + 'd ' + (hours % 24) + 'h';
}
function usd(v) { return v === null || v === undefined ? '—' : '$' + (v < 10 ? v.toFixed(3) : v.toFixed(2)); }
function count(n) { return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'); }
function compact(n) {
  if (!n) return '0';
  if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(n >= 1e4 ? 0 : 1) + 'k';
  return String(n);
}
function percent(r) { return (r * 100).toFixed(r >= 0.995 || r === 0 ? 0 : 1) + '%'; }
function chip(text, cls, title) { return h('span', { class: 'st ' + (cls || text), title: title || null, text: text }); }

var toastTimer = null;
function toast(text, bad) {
  var el = byId('toast');
  el.textContent = text;
  el.className = bad ? 'bad' : '';
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(function () { el.hidden = true; }, 5000);
}
`;
