/**
 * The live viewer page: one HTML document with inline CSS and JS, nothing loaded from elsewhere.
 * It connects to ws://<same host>/events, folds the messages with the same createTimelineModel the
 * unit tests use (its source text is embedded), and shows
 *   - the actor tree (status and current state of each actor),
 *   - a state chart per machine actor, drawn from its definition (nested boxes for states, the
 *     transitions of each state listed inside it), with the active states highlighted,
 *   - the waterfall (how long each state and each helper actor lasted, ms since process start),
 *   - the timeline of events and state changes.
 *   - the machines that are definitions, not actors (per-partition / per-replica states advanced as pure
 *     transitions), registered by the hello message: their charts, with the count per state where the advancing
 *     actor's context has one (states with a count > 0 highlighted),
 * Stable hooks for tests: `.chart[data-actor=NAME] .state[data-path="session.watching"].active`,
 * `.chart[data-definition=NAME] .state[data-path=S][data-count=N]`,
 * `#tree li[data-actor=NAME]`, `#conn[data-state=open|closed]`.
 */
import { createTimelineModel } from './timeline.js';

const CSS = `
:root { --bg:#0f1419; --panel:#171d24; --line:#2a333d; --fg:#d7dde4; --dim:#8a96a3; --accent:#3fb950; --warn:#d29922; --err:#f85149; --blue:#58a6ff; }
* { box-sizing: border-box; }
body { margin:0; font:13px/1.4 ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--fg); }
header { display:flex; width:100%; gap:16px; align-items:center; padding:8px 14px; border-bottom:1px solid var(--line); background:var(--panel); position:sticky; top:0; z-index:2; }
header h1 { font-size:15px; margin:0; font-weight:600; }
#conn { padding:2px 8px; border-radius:10px; background:#30363d; }
#conn[data-state=open] { background:#1f6f3a; } #conn[data-state=closed] { background:#8b2c2c; }
.dim { color:var(--dim); }
main { display:grid; grid-template-columns: 300px minmax(0, 1fr); gap:0; }
aside { border-right:1px solid var(--line); padding:10px; min-height:calc(100vh - 40px); }
section { padding:10px 14px; border-bottom:1px solid var(--line); }
h2 { font-size:12px; text-transform:uppercase; letter-spacing:.06em; color:var(--dim); margin:4px 0 8px; }
#tree ul { list-style:none; margin:0; padding:0; }
#tree li { padding:3px 6px; border-radius:4px; margin:1px 0; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
#tree li .st { color:var(--accent); font-family:ui-monospace, monospace; font-size:12px; }
#tree li[data-status=done] .st, #tree li[data-status=stopped] .st { color:var(--dim); }
#tree li[data-status=error] .st { color:var(--err); }
#tree li[data-kind=other] { color:var(--dim); }
#tree li[data-status=stopped], #tree li[data-status=done] { opacity:.55; }
#charts { display:flex; flex-wrap:wrap; gap:12px; align-items:flex-start; }
.chart { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:8px; max-width:100%; overflow-x:auto; }
.chart > h3 { margin:0 0 6px; font-size:13px; } .chart > h3 .cur { font-weight:400; color:var(--accent); font-family:ui-monospace, monospace; margin-left:6px; }
.chart[data-status=stopped], .chart[data-status=done] { opacity:.5; }
.state { border:1px solid #3a4552; border-radius:6px; padding:4px 6px; margin:3px; display:inline-block; vertical-align:top; background:#1b222b; min-width:90px; }
.state.active { border-color:var(--accent); box-shadow:0 0 0 1px var(--accent) inset; background:#16301f; }
.state.leaf.active { background:#1f4d2c; }
.state.final { border-style:double; border-width:3px; }
.state .count { color:var(--blue); font-weight:400; margin-left:4px; }
.state > .name { font-weight:600; font-size:12px; } .state > .name .init { color:var(--blue); margin-right:3px; }
.state.active > .name { color:#7ee787; }
.state ul { margin:2px 0 0; padding:0 0 0 2px; list-style:none; font-family:ui-monospace, monospace; font-size:11px; color:var(--dim); }
.state ul li b { color:#c9d1d9; font-weight:500; }
.chart > ul { margin:0 0 6px; padding:0 0 0 4px; list-style:none; font-family:ui-monospace, monospace; font-size:11px; color:var(--dim); } .chart > ul li b { color:#c9d1d9; font-weight:500; }
.substates { display:block; margin-top:3px; }
#waterfall .row { display:grid; grid-template-columns: 330px 1fr 70px; align-items:center; gap:8px; height:18px; font-size:12px; }
#waterfall .lbl { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; font-family:ui-monospace, monospace; }
#waterfall .track { position:relative; height:12px; background:#11161c; border-radius:2px; }
#waterfall .bar { position:absolute; top:0; height:12px; min-width:2px; border-radius:2px; background:var(--blue); }
#waterfall .bar.actor { background:#8957e5; } #waterfall .bar.open { background:var(--accent); }
#waterfall .dur { text-align:right; font-family:ui-monospace, monospace; color:var(--dim); }
#waterfall .axis { display:grid; grid-template-columns: 330px 1fr 70px; gap:8px; color:var(--dim); font-size:11px; }
#waterfall .axis div:nth-child(2) { display:flex; justify-content:space-between; }
table { border-collapse:collapse; width:100%; font-size:12px; }
td, th { padding:2px 6px; border-bottom:1px solid #1e252d; text-align:left; font-family:ui-monospace, monospace; }
th { color:var(--dim); font-weight:500; } td.t { text-align:right; color:var(--dim); width:80px; }
tr.k-state td.x { color:var(--accent); } tr.k-actor td.x { color:#bc8cff; }
#logwrap { max-height:320px; overflow:auto; }
#tree li { cursor:pointer; } #tree li.sel { background:#1f2a36; outline:1px solid var(--blue); }
#details pre { margin:0; max-height:360px; overflow:auto; font:12px/1.35 ui-monospace, monospace; background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:8px; white-space:pre-wrap; }
label.opt { color:var(--dim); font-size:12px; margin-left:8px; }
`;

const CLIENT = String.raw`
const model = createTimelineModel({ maxEntries: 3000, maxRows: 3000 });
const $ = (s) => document.querySelector(s);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const charts = {};   // sessionId -> element
let defs = [];       // [{ def, el }]: the hello's definitions (no actor each)
let dirty = false, generation = 0, selected = null;   // selected: actor name (stable across reconnects)

function targetText(t) {
  if (t === undefined || t === null) return '(self)';
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.map(targetText).join(' | ');
  if (typeof t === 'object') {
    const tgt = t.target === undefined ? '(actions)' : (Array.isArray(t.target) ? t.target.join(', ') : t.target);
    return tgt + (t.guard ? ' [' + (typeof t.guard === 'string' ? t.guard : (t.guard.type || 'guard')) + ']' : '');
  }
  return String(t);
}
function transitions(node) {
  const out = [];
  const add = (ev, t) => { (Array.isArray(t) ? t : [t]).forEach((x) => out.push('<li><b>' + esc(ev) + '</b> → ' + esc(targetText(x)) + '</li>')); };
  if (node.on) for (const ev of Object.keys(node.on)) add(ev, node.on[ev]);
  if (node.after) for (const d of Object.keys(node.after)) add('after ' + d, node.after[d]);
  if (node.always) add('always', node.always);
  const inv = node.invoke ? (Array.isArray(node.invoke) ? node.invoke : [node.invoke]) : [];
  for (const i of inv) {
    const src = typeof i.src === 'string' ? i.src : (i.src && i.src.type) || 'actor';
    out.push('<li>invoke <b>' + esc(src) + '</b></li>');
    if (i.onDone) add('  done', i.onDone);
    if (i.onError) add('  error', i.onError);
  }
  return out.length ? '<ul>' + out.join('') + '</ul>' : '';
}
function stateBox(name, node, path, initial) {
  const kids = node.states ? Object.keys(node.states) : [];
  const cls = 'state' + (kids.length ? '' : ' leaf') + (node.type === 'final' ? ' final' : '');
  let h = '<div class="' + cls + '" data-path="' + esc(path) + '"><div class="name">' + (initial ? '<span class="init" title="initial">●</span>' : '') + esc(name) + (node.type === 'final' ? ' <span class="dim">(final)</span>' : '') + '</div>' + transitions(node);
  if (kids.length) h += '<div class="substates">' + kids.map((k) => stateBox(k, node.states[k], path + '.' + k, node.initial === k)).join('') + '</div>';
  return h + '</div>';
}
function chartFor(a) {
  const d = a.definition;
  const kids = Object.keys(d.states || {});
  const el = document.createElement('div');
  el.className = 'chart';
  el.dataset.actor = a.name;
  el.dataset.session = a.sessionId;
  el.innerHTML = '<h3>' + esc(a.name) + (a.systemId && a.systemId !== a.name ? ' <span class="dim">#' + esc(a.systemId) + '</span>' : '') + ' <span class="dim">' + esc(a.sessionId) + '</span><span class="cur"></span></h3>'
    + transitions(d) + kids.map((k) => stateBox(k, d.states[k], k, d.initial === k)).join('');
  return el;
}
function renderDefinitions(list) {
  defs = [];
  const box = $('#defs');
  box.innerHTML = '';
  for (const def of list || []) {
    let d;
    try { d = JSON.parse(def.definition); } catch { continue; }
    if (!d || !d.states) continue;
    const el = document.createElement('div');
    el.className = 'chart def';
    el.dataset.definition = def.name;
    el.innerHTML = '<h3>' + esc(def.name) + ' <span class="dim">definition · ' + esc(def.advancedBy) + '</span><span class="cur"></span></h3>'
      + transitions(d) + Object.keys(d.states).map((k) => stateBox(k, d.states[k], k, d.initial === k)).join('');
    box.appendChild(el);
    defs.push({ def, el });
  }
  $('#defsection').hidden = defs.length === 0;
}
function countsOf(def) {
  if (!def.counts) return null;
  const a = model.find(def.counts.actor);
  let v = a && a.context;
  for (const k of def.counts.path) v = v && typeof v === 'object' ? v[k] : undefined;
  return v && typeof v === 'object' ? v : null;
}
function renderDefinitionCounts() {
  for (const { def, el } of defs) {
    const counts = countsOf(def);
    let total = 0;
    el.querySelectorAll('.state').forEach((s) => {
      const n = counts ? Number(counts[s.dataset.path] || 0) : null;
      if (n === null) { delete s.dataset.count; s.classList.remove('active'); return; }
      s.dataset.count = String(n);
      total += n;
      s.classList.toggle('active', n > 0);
      const nm = s.querySelector('.name');
      let c = nm.querySelector('.count');
      if (!c) { c = document.createElement('span'); c.className = 'count'; nm.appendChild(c); }
      c.textContent = ' ×' + n;
    });
    el.querySelector('.cur').textContent = counts ? total + ' counted' : '';
  }
}
function render() {
  dirty = false;
  renderDefinitionCounts();
  const tree = model.tree();
  $('#tree').innerHTML = '<ul>' + tree.map(({ actor: a, depth }) =>
    '<li class="' + (a.name === selected ? 'sel' : '') + '" style="padding-left:' + (6 + depth * 14) + 'px" data-actor="' + esc(a.name) + '" data-session="' + esc(a.sessionId) + '" data-kind="' + a.kind + '" data-status="' + esc(a.status) + '" title="' + esc(a.sessionId) + '">'
    + esc(a.name) + ' <span class="st">' + esc(a.kind === 'machine' ? a.state : '') + (a.status !== 'active' ? ' (' + esc(a.status) + ')' : '') + '</span></li>').join('') + '</ul>';
  for (const k of Object.keys(charts)) if (!model.actors[k]) { charts[k].remove(); delete charts[k]; }
  for (const { actor: a } of tree) {
    if (a.kind !== 'machine') continue;
    let el = charts[a.sessionId];
    if (!el) { el = charts[a.sessionId] = chartFor(a); $('#charts').appendChild(el); }
    el.dataset.status = a.status;
    el.querySelector('.cur').textContent = a.state + (a.status !== 'active' ? ' (' + a.status + ')' : '');
    const active = new Set(a.status === 'active' || a.status === 'done' ? a.activePaths : []);
    el.querySelectorAll('.state').forEach((s) => s.classList.toggle('active', active.has(s.dataset.path)));
  }
  const sel = selected && model.find(selected);
  $('#details').hidden = !sel;
  $('#details h2 span').textContent = sel ? sel.name + ' (' + sel.sessionId + ', ' + sel.status + ')' : 'click an actor';
  $('#details pre').textContent = sel ? JSON.stringify({ state: sel.value, context: sel.context }, null, 2) : '';
  const hideHelpers = $('#hidehelpers').checked;
  const rows = model.rows.filter((r) => !(hideHelpers && r.kind === 'actor')).slice(-250);
  const span = Math.max(model.lastT, 1);
  $('#wf').innerHTML = '<div class="axis"><div>actor · state</div><div><span>0 ms</span><span>' + Math.round(span / 2) + ' ms</span><span>' + Math.round(span) + ' ms</span></div><div></div></div>'
    + rows.map((r) => {
      const end = r.end === null ? model.lastT : r.end;
      const left = (r.start / span) * 100, width = Math.max(((end - r.start) / span) * 100, 0.15);
      return '<div class="row" title="' + esc(r.actor + ' · ' + r.label + ': ' + r.start + ' → ' + (r.end === null ? 'now' : r.end) + ' ms') + '"><div class="lbl">' + esc(r.actor) + ' · ' + esc(r.kind === 'actor' ? '(' + r.kind + ')' : r.label) + '</div>'
        + '<div class="track"><div class="bar ' + r.kind + (r.end === null ? ' open' : '') + '" style="left:' + left.toFixed(3) + '%;width:' + width.toFixed(3) + '%"></div></div>'
        + '<div class="dur">' + (r.end === null ? '…' : (Math.round((end - r.start) * 10) / 10) + ' ms') + '</div></div>';
    }).join('');
  const showInternal = $('#internal').checked;
  const entries = model.entries.filter((e) => showInternal || !/^xstate\.(promise|init)|^@xstate/.test(e.text)).slice(-400).reverse();
  $('#log').innerHTML = '<tr><th>t (ms)</th><th>actor</th><th></th><th>what</th></tr>' + entries.map((e) =>
    '<tr class="k-' + e.kind + '"><td class="t">' + e.t.toFixed(1) + '</td><td>' + esc(e.actor) + '</td><td>' + e.kind + '</td><td class="x">'
    + (e.source ? '<span class="dim">' + esc(e.source) + ' → </span>' : '') + esc(e.text) + '</td></tr>').join('');
  $('#count').textContent = Object.keys(model.actors).length + ' actors · ' + model.entries.length + ' entries · t=' + Math.round(model.lastT) + ' ms';
}
function schedule() { if (!dirty) { dirty = true; requestAnimationFrame(render); } }
function reset() {
  for (const k of Object.keys(model.actors)) delete model.actors[k];
  model.rows.length = 0; model.entries.length = 0; model.lastT = 0;
  for (const k of Object.keys(charts)) { charts[k].remove(); delete charts[k]; }
}
function connect() {
  const conn = $('#conn');
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/events');
  const gen = ++generation;
  ws.onopen = () => { conn.dataset.state = 'open'; conn.textContent = 'live'; };
  ws.onmessage = (e) => {
    if (gen !== generation) return;
    const m = JSON.parse(e.data);
    if (m.type === '@rafka.hello') { reset(); $('#pid').textContent = 'pid ' + m.pid; renderDefinitions(m.definitions); schedule(); return; }
    if (m.type === '@rafka.replayed') return;
    model.apply(m);
    schedule();
  };
  ws.onclose = () => { conn.dataset.state = 'closed'; conn.textContent = 'disconnected, retrying…'; setTimeout(connect, 1000); };
}
$('#internal').onchange = schedule; $('#hidehelpers').onchange = schedule;
$('#tree').onclick = (e) => {
  const li = e.target.closest('li[data-actor]');
  if (!li) return;
  selected = li.dataset.actor;
  const el = charts[li.dataset.session];
  if (el) el.scrollIntoView({ block: 'nearest' });
  schedule();
};
connect();
`;

export function renderViewerPage(opts: { title: string }): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  // The model's compiled source, embedded as is (it references nothing outside itself).
  const modelSource = createTimelineModel.toString();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(opts.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${CSS}</style></head>
<body>
<header><h1>${esc(opts.title)}</h1><span id="conn" data-state="connecting">connecting…</span><span id="pid" class="dim"></span><span id="count" class="dim"></span></header>
<main>
<aside><h2>Actors</h2><div id="tree"></div></aside>
<div>
<section id="details" hidden><h2>Context · <span class="dim"></span></h2><pre></pre></section>
<section><h2>State charts</h2><div id="charts"></div></section>
<section id="defsection" hidden><h2>Per-partition / per-replica state machines <span class="dim">(definitions advanced as pure transitions, no actor each)</span></h2><div id="defs"></div></section>
<section id="waterfall"><h2>Waterfall <label class="opt"><input type="checkbox" id="hidehelpers"> hide helper actors</label></h2><div id="wf"></div></section>
<section><h2>Timeline <label class="opt"><input type="checkbox" id="internal"> show internal events</label></h2><div id="logwrap"><table id="log"></table></div></section>
</div>
</main>
<script>
${modelSource.replace(/<\/script/gi, '<\\/script')}
${CLIENT}
</script>
</body></html>
`;
}
