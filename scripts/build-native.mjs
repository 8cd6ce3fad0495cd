// Builds native/ (SSE4.2 CRC-32C and log read-ahead, N-API) with node-gyp. Run by `npm ci` (the package's install script).
// Optional: when it cannot build (no compiler, no headers, not x86-64), Rafka uses @node-rs/crc32 or pure JS
// (src/services/log/crc32c.ts), so this never fails the install.
// Node's headers: the running node's own (<prefix>/include/node, e.g. Debian/NodeSource packages) when present,
// so no download is needed; otherwise node-gyp fetches them as usual.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../native');
if (process.env['RAFKA_SKIP_NATIVE'] === '1') process.exit(0);

function nodeGypCommand() {
  const fromNpm = process.env['npm_config_node_gyp']; // set by npm for lifecycle scripts
  if (fromNpm && fs.existsSync(fromNpm)) return [process.execPath, fromNpm];
  const bundled = path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  if (fs.existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

const args = ['rebuild'];
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (!process.env['npm_config_nodedir'] && fs.existsSync(path.join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const [cmd, ...pre] = nodeGypCommand();
const r = spawnSync(cmd, [...pre, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status === 0 && fs.existsSync(path.join(dir, 'build/Release/rafka_native.node'))) {
  console.log('rafka: built native (SSE4.2 CRC-32C, read-ahead)');
} else {
  console.warn(`rafka: native addon not built (${r.error?.message ?? `node-gyp exit ${r.status}`}); CRC-32C uses @node-rs/crc32 or JS`);
  if (process.env['RAFKA_NATIVE_VERBOSE'] === '1') console.warn(r.stdout, r.stderr);
}
