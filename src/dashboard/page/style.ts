/** The page's style sheet: system fonts, no image or font fetched. */
export const STYLE = String.raw`
:root { --bg: #f5f6f8; --card: #fff; --ink: #1b1f24; --muted: #667085; --line: #e4e7ec; --accent: #2f6fde; --good: #14804a; --warn: #b54708; --bad: #c0262d;
  --good-bg: #e6f4ea; --warn-bg: #fdf1e3; --bad-bg: #fdecec; --info-bg: #eef2fb; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; align-items: center; gap: 12px; padding: 10px 20px; background: #111827; color: #f9fafb; position: sticky; top: 0; z-index: 5; flex-wrap: wrap; }
header h1 { font-size: 15px; margin: 0; font-weight: 650; letter-spacing: .2px; }
header .state { font-family: var(--mono); color: #cbd5e1; font-size: 12px; }
header .spacer { flex: 1; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11px; font-weight: 600; line-height: 18px; white-space: nowrap; }
.badge.live { background: #16a34a; color: #fff; } .badge.ended { background: #475569; color: #fff; }
.badge.conn { background: #334155; color: #e2e8f0; } .badge.conn.down { background: var(--bad); }
main { padding: 16px 20px 40px; display: grid; gap: 16px; max-width: 1680px; margin: 0 auto; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; min-width: 0; }
section.card > h2 { font-size: 13px; margin: 0 0 10px; color: var(--muted); text-transform: uppercase; letter-spacing: .6px; font-weight: 650; display: flex; align-items: center; gap: 8px; }
section.card > h2 .count { color: var(--ink); text-transform: none; letter-spacing: 0; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 9px 11px; background: #fbfcfd; }
.tile .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .5px; }
.tile .value { font-size: 19px; white-space: nowrap; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
.tile .sub { color: var(--muted); font-size: 11.5px; margin-top: 1px; font-variant-numeric: tabular-nums; }
.tile.good .value { color: var(--good); } .tile.warn .value { color: var(--warn); } .tile.bad .value { color: var(--bad); }
.holds { display: grid; gap: 8px; margin-top: 10px; }
.hold { display: flex; gap: 10px; align-items: center; border: 1px solid #f3c3c3; background: var(--bad-bg); border-radius: 8px; padding: 8px 12px; }
.hold.paused { border-color: #f5d7a8; background: var(--warn-bg); }
.hold .what { font-weight: 650; } .hold .fix { color: var(--muted); } .hold .grow { flex: 1; min-width: 0; }
.grid2 { display: grid; grid-template-columns: minmax(0, 2.2fr) minmax(300px, 1fr); gap: 16px; align-items: start; }
@media (max-width: 1100px) { .grid2 { grid-template-columns: minmax(0, 1fr); } }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 14px; }
figure { margin: 0; } figcaption { font-weight: 600; font-size: 12px; margin-bottom: 4px; display: flex; gap: 10px; flex-wrap: wrap; }
figcaption .key { font-weight: 500; color: var(--muted); } figcaption .key i { display: inline-block; width: 10px; height: 3px; border-radius: 2px; vertical-align: middle; margin-right: 4px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart .grid { stroke: #eef0f3; } svg.chart .axis { fill: #8a94a6; font-size: 10px; }
svg.chart .s0 { stroke: #2f6fde; } svg.chart .s1 { stroke: #e08a00; } svg.chart .s2 { stroke: #14804a; }
svg.chart polyline { fill: none; stroke-width: 1.8; stroke-linejoin: round; }
i.s0 { background: #2f6fde; } i.s1 { background: #e08a00; } i.s2 { background: #14804a; }
.empty { color: var(--muted); padding: 10px 0; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th { text-align: left; font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .4px; font-weight: 650; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 6px 8px; border-bottom: 1px solid #f0f2f5; vertical-align: top; }
tbody tr:hover { background: #f8fafc; }
tr.selected { background: var(--info-bg) !important; }
tr[data-session] { cursor: pointer; }
td.id { font-family: var(--mono); font-size: 12px; white-space: nowrap; }
td.title { min-width: 180px; max-width: 360px; overflow-wrap: anywhere; }
td.activity { font-family: var(--mono); font-size: 11.5px; color: #344054; max-width: 420px; overflow-wrap: anywhere; }
td.activity .src { color: var(--muted); font-family: inherit; }
td.error { color: #7a271a; max-width: 320px; overflow-wrap: anywhere; font-size: 12px; }
.risk { font-weight: 600; } .risk.ok { color: var(--good); } .risk.warn { color: var(--warn); } .risk.stalled { color: var(--bad); }
tr.risk-warn td:first-child { box-shadow: inset 3px 0 var(--warn); } tr.risk-stalled td:first-child { box-shadow: inset 3px 0 var(--bad); }
.st { display: inline-block; padding: 0 7px; border-radius: 999px; font-size: 11px; font-weight: 600; line-height: 18px; background: #eef0f3; color: #344054; }
.st.done, .st.success, .st.landed, .st.opened, .st.healthy { background: var(--good-bg); color: var(--good); }
.st.failed, .st.failure, .st.rejected, .st.unhealthy, .st.stalled, .st.timeout { background: var(--bad-bg); color: var(--bad); }
.st.running, .st.merging, .st.merging, .st.queued { background: var(--info-bg); color: var(--accent); }
.st.degraded, .st.cancelled, .st.lost, .st.held { background: var(--warn-bg); color: var(--warn); }
.chips { display: flex; gap: 3px; flex-wrap: wrap; }
.toolbar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-bottom: 10px; }
.toolbar input[type=search] { padding: 6px 10px; border: 1px solid var(--line); border-radius: 7px; min-width: 240px; font: inherit; }
button { font: inherit; font-size: 12px; border: 1px solid var(--line); background: #fff; border-radius: 7px; padding: 4px 10px; cursor: pointer; color: var(--ink); }
button:hover { border-color: #c4cad4; } button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); } button.filter.on { background: #111827; color: #fff; border-color: #111827; }
header button { background: #1f2937; color: #f9fafb; border-color: #374151; } header input { padding: 4px 8px; border-radius: 6px; border: 1px solid #374151; background: #1f2937; color: #f9fafb; font: inherit; font-size: 12px; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
.feed { list-style: none; margin: 0; padding: 0; max-height: 640px; overflow: auto; }
.feed li { display: grid; grid-template-columns: 66px 110px 1fr; gap: 8px; padding: 4px 0; border-bottom: 1px solid #f0f2f5; font-size: 12.5px; }
.feed time { color: var(--muted); font-variant-numeric: tabular-nums; font-size: 11.5px; padding-top: 1px; }
.feed .kind { font-size: 11px; font-weight: 600; color: var(--muted); white-space: nowrap; } .feed .text { overflow-wrap: anywhere; }
.feed li.bad .kind { color: var(--bad); } .feed li.good .kind { color: var(--good); }
#log-panel { position: fixed; right: 16px; bottom: 16px; width: min(760px, calc(100vw - 32px)); height: min(440px, 60vh); background: #0b1020; color: #d7dce6; border-radius: 10px; box-shadow: 0 12px 40px rgba(0,0,0,.35); display: flex; flex-direction: column; z-index: 10; }
#log-panel[hidden] { display: none; }
#log-panel .bar { display: flex; align-items: center; gap: 10px; padding: 8px 12px; border-bottom: 1px solid #1e2638; font-size: 12px; }
#log-panel .bar .grow { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#log-panel .bar button { background: #1e2638; color: #d7dce6; border-color: #2b3550; }
#log-panel pre { margin: 0; padding: 10px 12px; overflow: auto; flex: 1; font: 11.5px/1.45 var(--mono); white-space: pre-wrap; overflow-wrap: anywhere; }
#toast { position: fixed; left: 50%; transform: translateX(-50%); bottom: 18px; background: #111827; color: #fff; padding: 8px 14px; border-radius: 8px; font-size: 12.5px; z-index: 20; max-width: 80vw; }
#toast[hidden] { display: none; } #toast.bad { background: var(--bad); }
.more { margin-top: 10px; display: flex; gap: 10px; align-items: center; color: var(--muted); }
.muted { color: var(--muted); }
`;
