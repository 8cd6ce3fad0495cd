// Shared by bench/log-*.mjs: compiles src/services/log (and what it imports) into a temp dir with the repo's tsc
// unless a compiled dir is given, and loads modules from it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Root of compiled `src` (contains services/log/...). */
export function compiledSrc(arg) {
  if (arg) return path.resolve(arg);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-bench-build-'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(out, 'node_modules'));
  execFileSync(path.join(REPO, 'node_modules/.bin/tsc'), [
    '--ignoreConfig', '--outDir', out, '--rootDir', path.join(REPO, 'src'), '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--target', 'es2022', '--skipLibCheck', '--types', 'node', path.join(REPO, 'src/services/log/log-manager.ts'),
  ], { cwd: REPO, stdio: 'inherit' });
  process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  return out;
}

export const load = (root, m) => import(pathToFileURL(path.join(root, m)).href);

export function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export const mibps = (bytes, ms) => (bytes / 2 ** 20 / (ms / 1000)).toFixed(0);
