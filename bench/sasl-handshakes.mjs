#!/usr/bin/env node
// SCRAM-SHA-512 connection setup rate beside PLAINTEXT connection setup in the same run (issue 14: "connection setup
// rate with SCRAM (handshakes/s)"). One broker with a PLAINTEXT and a SASL_PLAINTEXT listener; a SCRAM-SHA-512 user
// written to /config/users as kafka-configs.sh writes it (4096 iterations). CONC concurrent loops per phase, each:
//   SCRAM:     connect + SaslHandshake v1 + SaslAuthenticate v1 ×2 (client-first, client-final; server signature
//              verified) + close — Rafka's own client (connectToBroker, the one brokers use between themselves);
//   PLAINTEXT: connect + ApiVersions v0 + close (the ceiling: the same socket accept/close path, one request).
// The client's PBKDF2 (4096 × HMAC-SHA-512 per login: the broker stores the salted keys and does none) runs in this
// process on the same cores; its cost per login is measured alone and printed too, and a third phase repeats the
// SCRAM logins with the client's PBKDF2 cached (what is left is the broker's HMACs + the socket path).
//   node bench/sasl-handshakes.mjs [SECONDS=5] [CONC=8]      (npm run build first; needs zookeeper)
// Figures come from whatever machine runs it: on a shared machine, other load moves both columns.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { pino } from 'pino';
import { startLocalZooKeeper } from '../dist/services/zookeeper/local-zookeeper.js';
import { ZkSession, CreateMode } from '../dist/services/zookeeper/zk-session.js';
import { SCRAM_SHA_512, credentialFromPassword, formatScramCredential, saltedPassword } from '../dist/services/security/scram.js';
import { connectToBroker } from '../dist/services/security/client-channel.js';
import { encodeRequest } from '../dist/protocol/frame.js';

// Phase 3 ("broker side"): the client's PBKDF2 memoized (same salt/iterations each login), so the figure is the broker's
// and the socket path's, not this process's HMAC loop. node:crypto's ESM bindings follow the CJS object after sync.
const cryptoCjs = createRequire(import.meta.url)('node:crypto');
const realPbkdf2Sync = cryptoCjs.pbkdf2Sync;
let memoPbkdf2 = false; const pbkdf2Memo = new Map();
cryptoCjs.pbkdf2Sync = (pw, salt, it, len, digest) => {
  if (!memoPbkdf2) return realPbkdf2Sync(pw, salt, it, len, digest);
  const k = `${Buffer.from(pw).toString('hex')}/${Buffer.from(salt).toString('hex')}/${it}/${len}/${digest}`;
  let v = pbkdf2Memo.get(k); if (!v) { v = realPbkdf2Sync(pw, salt, it, len, digest); pbkdf2Memo.set(k, v); } return v;
};
syncBuiltinESMExports();

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.argv[2] ?? 5);
const CONC = Number(process.argv[3] ?? 8);
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const work = mkdtempSync(join(tmpdir(), 'rafka-bench-sasl-'));
const zkPort = await freePort();
const zk = await startLocalZooKeeper({ host: '127.0.0.1', port: zkPort, dataDir: join(work, 'zk', 'data'), log: pino({ level: 'silent' }) });
const [pPort, sPort] = [await freePort(), await freePort()];
const cfg = join(work, 'server.properties');
writeFileSync(cfg, [`broker.id=1`, `zookeeper.connect=127.0.0.1:${zkPort}/bench-sasl`, `log.dirs=${join(work, 'logs')}`,
  `listeners=PLAINTEXT://127.0.0.1:${pPort},SASL_PLAINTEXT://127.0.0.1:${sPort}`, 'inter.broker.listener.name=PLAINTEXT',
  'sasl.enabled.mechanisms=SCRAM-SHA-512', 'num.partitions=1'].join('\n'));
const proc = spawn(process.execPath, [join(root, 'bin', 'rafka.js'), '-v', 'warn', cfg], { stdio: 'ignore' });
let zks;
const cleanup = () => { proc.kill('SIGKILL'); zks?.close(); void zk.stop(); rmSync(work, { recursive: true, force: true }); };
process.on('exit', cleanup);

const PASSWORD = randomBytes(12).toString('hex');
const apiVersions = encodeRequest({ requestApiKey: 18, requestApiVersion: 0, correlationId: 1, clientId: 'bench' }, {});
const plainSetup = () => new Promise((resolve, reject) => {
  const s = connect({ port: pPort, host: '127.0.0.1', noDelay: true });
  let got = 0;
  s.on('connect', () => s.write(apiVersions));
  s.on('data', (c) => { got += c.length; if (got >= 4 + c.readInt32BE(0)) { s.destroy(); resolve(); } });
  s.on('error', reject);
});
for (let i = 0; ; i++) { try { await plainSetup(); break; } catch (e) { if (i > 120) throw new Error(`broker not ready: ${e.message}`); await sleep(250); } }
zks = new ZkSession(`127.0.0.1:${zkPort}/bench-sasl`, { sessionTimeoutMs: 6000 });
await zks.connect(10_000);
await zks.mkdirp('/config/users');
await zks.mkdirp('/config/changes');
await zks.create('/config/users/bench', Buffer.from(JSON.stringify({ version: 1, config: { 'SCRAM-SHA-512': formatScramCredential(credentialFromPassword(SCRAM_SHA_512, PASSWORD, 4096)) } })));
await zks.create('/config/changes/config_change_', Buffer.from(JSON.stringify({ version: 2, entity_path: 'users/bench' })), CreateMode.PERSISTENT_SEQUENTIAL);

const scram = { listenerName: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT', tls: null, sasl: { mechanism: 'SCRAM-SHA-512', username: 'bench', password: PASSWORD } };
const scramLogin = async () => { const s = await connectToBroker('127.0.0.1', sPort, { timeoutMs: 30_000, clientId: 'bench', security: scram }); s.destroy(); };
// wait for the user (the /config/changes notification)
for (let i = 0; ; i++) { try { await scramLogin(); break; } catch (e) { if (i > 120) throw new Error(`broker/user not ready: ${e.message}`); await sleep(250); } }

/** CONC loops for SECONDS: completed setups per second. */
async function rate(once) {
  let n = 0; const end = performance.now() + SECONDS * 1000; const t0 = performance.now();
  await Promise.all(Array.from({ length: CONC }, async () => { while (performance.now() < end) { await once(); n++; } }));
  return n / ((performance.now() - t0) / 1000);
}
const load0 = loadavg()[0];
const rounds = [];
for (let r = 0; r < 2; r++) { // alternating
  const plain = await rate(plainSetup); const scramFull = await rate(scramLogin);
  memoPbkdf2 = true; const scramBroker = await rate(scramLogin); memoPbkdf2 = false;
  rounds.push({ plain, scram: scramFull, scramBroker });
}
let pb = 0; const tp = performance.now(); const salt = randomBytes(24);
while (performance.now() - tp < 1000) { saltedPassword(SCRAM_SHA_512, PASSWORD, salt, 4096); pb++; }
const pbkdf2Ms = (performance.now() - tp) / pb;
const best = (k) => Math.max(...rounds.map((x) => x[k]));
console.table(rounds.map((x, i) => ({ round: i + 1, 'PLAINTEXT setups/s': Math.round(x.plain), 'SCRAM-SHA-512 logins/s': Math.round(x.scram), ratio: `${((x.scram / x.plain) * 100).toFixed(1)}%`,
  'SCRAM, client PBKDF2 cached/s': Math.round(x.scramBroker), 'ratio (cached)': `${((x.scramBroker / x.plain) * 100).toFixed(1)}%` })));
console.log(`best: PLAINTEXT connect+ApiVersions+close ${Math.round(best('plain'))}/s (ceiling), SCRAM-SHA-512 connect+handshake+2×authenticate+close ${Math.round(best('scram'))}/s = ${((best('scram') / best('plain')) * 100).toFixed(1)}%`);
console.log(`best with the client's PBKDF2 cached (broker + socket path only): ${Math.round(best('scramBroker'))}/s = ${((best('scramBroker') / best('plain')) * 100).toFixed(1)}%`);
console.log(`client PBKDF2 (4096 × HMAC-SHA-512) alone: ${pbkdf2Ms.toFixed(2)} ms per login = ${Math.round(1000 / pbkdf2Ms)}/s on one core (same process, same cores as the broker)`);
console.log(`${CONC} concurrent loops, ${SECONDS} s per phase, 2 alternating rounds; ${cpus().length} cores, load average ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end (shared machine)`);
process.exit(0);
