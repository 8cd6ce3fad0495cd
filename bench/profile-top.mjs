#!/usr/bin/env node
// Summarises a .cpuprofile (from bench/broker-probe.mjs or node --cpu-prof): the top functions by self time
// and by total (inclusive) time, in % of all samples. Usage: node bench/profile-top.mjs file.cpuprofile [N=25] [fromUs toUs]
// (fromUs/toUs: only the samples in that CLOCK_MONOTONIC µs range, e.g. around a stall broker-probe.mjs reported).
import { readFileSync } from 'node:fs';

const [file, nArg, fromArg, toArg] = process.argv.slice(2);
const N = Number(nArg ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8'));
if (p.head) { // a sampling heap profile: bytes allocated by function (self), top N
  const self = new Map(); let all = 0;
  const fname = (f) => `${f.functionName || '(anon)'} ${f.url ? f.url.replace(/^.*\/(src|dist|node_modules)\//, '$1/') : ''}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  const walk = (n, stack) => { const k = fname(n.callFrame); const sz = n.selfSize; all += sz; if (sz > 0) { const key = `${k}  <  ${stack.slice(-2).reverse().join('  <  ')}`; self.set(key, (self.get(key) ?? 0) + sz); } for (const c of n.children) walk(c, [...stack, k]); };
  walk(p.head, []);
  console.log(`${(all / 1e6).toFixed(1)} MB sampled\n${[...self].sort((a, b) => b[1] - a[1]).slice(0, N).map(([k, b]) => `${(100 * b / all).toFixed(1).padStart(5)}%  ${k}`).join('\n')}`);
  process.exit(0);
}
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const counts = new Map();
const from = fromArg === undefined ? -Infinity : Number(fromArg); const to = toArg === undefined ? Infinity : Number(toArg);
let total = 0;
for (let i = 0, ts = p.startTime; i < p.samples.length; i++) {
  ts += p.timeDeltas[i];
  if (ts < from || ts > to) continue;
  const s = p.samples[i]; counts.set(s, (counts.get(s) ?? 0) + 1); total++;
}
const name = (n) => { const f = n.callFrame; const file = f.url ? f.url.replace(/^.*\/(src|dist|node_modules)\//, '$1/') : ''; return `${f.functionName || '(anon)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`; };
const self = new Map(); const incl = new Map();
for (const [id, c] of counts) {
  const n = byId.get(id);
  self.set(name(n), (self.get(name(n)) ?? 0) + c);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) { const k = name(byId.get(cur)); if (seen.has(k)) continue; seen.add(k); incl.set(k, (incl.get(k) ?? 0) + c); }
}
const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, N).map(([k, c]) => `${(100 * c / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
console.log(`${total} samples, ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s\n-- self --\n${top(self)}\n-- total --\n${top(incl)}`);
