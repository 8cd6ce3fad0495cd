#!/usr/bin/env node
// Consumer-group speed against a real broker process (issue "Consumer groups"):
//  (a) rebalance time of a 10-member kafkajs group after one member leaves: from the departing member's LeaveGroup
//      being sent to the last of the 9 remaining members reporting its new generation (GROUP_JOIN); target < 300 ms.
//      group.initial.rebalance.delay.ms=0. kafkajs learns of a rebalance from a Heartbeat between fetches, so the
//      members run with heartbeatInterval=maxWaitTimeInMs=50 ms (the client's notice delay is part of the figure).
//  (b) OffsetCommit throughput from one client: OffsetCommit v7 requests (1 partition each, standalone group,
//      generation -1) pipelined on one socket, N in flight; target >= 20k commits/s. Also kafkajs commitOffsets.
// Usage: node bench/groups.mjs [rebalanceRuns=7] [commits=200000]   (npm run build first; needs zookeeper)
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, connect } from 'node:net';
import { pino } from 'pino';
import { Kafka, logLevel } from 'kafkajs';
import { startLocalZooKeeper } from '../dist/services/zookeeper/local-zookeeper.js';
import { encodeRequest, decodeResponse } from '../dist/protocol/frame.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.argv[2] ?? 7);
const COMMITS = Number(process.argv[3] ?? 200_000);
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const until = async (cond, ms, what) => { const end = Date.now() + ms; while (!cond()) { if (Date.now() > end) throw new Error(`timed out: ${what}`); await sleep(5); } };
const stats = (xs) => { const s = [...xs].sort((a, b) => a - b); return { medianMs: Math.round(s[Math.floor(s.length / 2)]), minMs: Math.round(s[0]), maxMs: Math.round(s.at(-1)), runs: s.length }; };

const work = mkdtempSync(join(tmpdir(), 'rafka-bench-groups-'));
const zkPort = await freePort();
const port = await freePort();
const zk = await startLocalZooKeeper({ host: '127.0.0.1', port: zkPort, dataDir: join(work, 'zk', 'data'), log: pino({ level: 'silent' }) });
const cfg = join(work, 'server.properties');
writeFileSync(cfg, [`broker.id=1`, `zookeeper.connect=127.0.0.1:${zkPort}/bench`, `log.dirs=${join(work, 'logs')}`, `listeners=PLAINTEXT://127.0.0.1:${port}`,
  'num.partitions=1', 'offsets.topic.replication.factor=1', 'group.initial.rebalance.delay.ms=0', 'group.min.session.timeout.ms=1000'].join('\n'));
const broker = spawn(process.execPath, [join(root, 'bin', 'rafka.js'), '-v', 'warn', cfg], { stdio: 'ignore' });
const bootstrap = `127.0.0.1:${port}`;
const kafka = new Kafka({ clientId: 'bench-groups', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100 } });
const results = {};

try {
  for (let i = 0; ; i++) { try { execFileSync('kcat', ['-b', bootstrap, '-L', '-m', '2'], { stdio: 'ignore' }); break; } catch { if (i > 60) throw new Error('broker did not start'); await sleep(250); } }
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'rb', numPartitions: 20 }], waitForLeaders: true });

  // (a) rebalance after a LeaveGroup
  const members = new Map(); // consumer -> { lastJoin: { generationId, at } }
  const addMember = async () => {
    const c = kafka.consumer({ groupId: 'bench-rb', sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 50, maxWaitTimeInMs: 50 });
    const st = { lastJoin: null, leaveSentAt: null };
    c.on(c.events.GROUP_JOIN, (e) => { st.lastJoin = { at: e.timestamp }; });
    c.on(c.events.REQUEST, (e) => { if (e.payload.apiName === 'LeaveGroup') st.leaveSentAt = e.payload.sentAt; });
    members.set(c, st);
    await c.connect();
    await c.subscribe({ topic: 'rb' });
    await c.run({ eachMessage: async () => {} });
    return c;
  };
  const generation = async () => (await admin.describeGroups(['bench-rb'])).groups[0];
  const stable = async (n) => { for (const end = Date.now() + 60_000; ;) { const g = await generation(); if (g.state === 'Stable' && g.members.length === n && [...members.values()].every((s) => s.lastJoin)) return; if (Date.now() > end) throw new Error('group not stable'); await sleep(50); } };
  for (let i = 0; i < 10; i++) await addMember();
  await stable(10);
  await sleep(500);
  const rebalanceMs = [];
  for (let run = 0; run < RUNS; run++) {
    const [leaving, st] = [...members.entries()][0];
    members.delete(leaving);
    for (const s of members.values()) s.lastJoin = null;
    await leaving.disconnect();
    await until(() => [...members.values()].every((s) => s.lastJoin), 30_000, 'all remaining members rejoined');
    const t1 = Math.max(...[...members.values()].map((s) => s.lastJoin.at));
    rebalanceMs.push(t1 - st.leaveSentAt);
    // back to 10 for the next run
    await addMember();
    await stable(10);
    await sleep(300);
  }
  results['rebalance after LeaveGroup, 10-member kafkajs group'] = { ...stats(rebalanceMs), targetMs: 300, samplesMs: rebalanceMs };
  for (const c of members.keys()) await c.disconnect();

  // (b) OffsetCommit throughput, raw protocol pipelined on one socket.
  for (const inFlight of [1, 100, 1000]) {
    const total = inFlight === 1 ? Math.min(COMMITS, 20_000) : COMMITS;
    results[`OffsetCommit v7, raw, one socket, ${inFlight} in flight`] = await new Promise((resolve, reject) => {
      const sock = connect(port, '127.0.0.1');
      let buf = Buffer.alloc(0); let sent = 0; let done = 0; let errors = 0; let t0 = 0;
      const encode = (id) => encodeRequest({ requestApiKey: 8, requestApiVersion: 7, correlationId: id, clientId: 'bench' },
        { groupId: `oc-${inFlight}`, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
          topics: [{ name: 'rb', partitions: [{ partitionIndex: id % 20, committedOffset: BigInt(id), committedLeaderEpoch: -1, committedMetadata: '' }] }] });
      const frames = Array.from({ length: total }, (_, i) => encode(i + 1)); // encoded before the clock starts: the client's cost stays out
      const frame = (id) => frames[id - 1];
      const pump = () => { let chunk = []; while (sent < total && sent - done < inFlight) chunk.push(frame(++sent)); if (chunk.length) sock.write(Buffer.concat(chunk)); };
      sock.on('error', reject);
      sock.on('data', (d) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
          const n = buf.readInt32BE(0);
          const { body } = decodeResponse(buf.subarray(4, 4 + n), 8, 7);
          if (body.topics[0].partitions[0].errorCode !== 0) errors++;
          buf = buf.subarray(4 + n); done++;
        }
        if (done === total) {
          const secs = (performance.now() - t0) / 1000; sock.destroy();
          resolve({ commitsPerSec: Math.round(total / secs), commits: total, errors, ...(inFlight > 1 ? { targetPerSec: 20_000 } : {}) });
        } else pump();
      });
      // __consumer_offsets already exists (part (a) made the group coordinator create it)
      sock.on('connect', () => { t0 = performance.now(); pump(); });
    });
    // the broker kept the last commit of each partition (requests on one connection are handled in order)
    const got = (await admin.fetchOffsets({ groupId: `oc-${inFlight}`, topics: ['rb'] }))[0].partitions;
    const want = (p) => { let id = total; while (id % 20 !== p) id--; return String(id); };
    results[`OffsetCommit v7, raw, one socket, ${inFlight} in flight`].lastCommitsVerified = got.length === 20 && got.every((x) => x.offset === want(x.partition));
  }

  // kafkajs consumer.commitOffsets, many in flight (kafkajs sends one request per call, on one broker connection).
  {
    const c = kafka.consumer({ groupId: 'kjs-commit', sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 100 });
    let joined = false;
    c.on(c.events.GROUP_JOIN, () => { joined = true; });
    await c.connect(); await c.subscribe({ topic: 'rb' }); await c.run({ eachMessage: async () => {} });
    await until(() => joined, 30_000, 'kafkajs commit consumer joined');
    const total = 50_000; const window = 500; let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: window }, async () => {
      while (next < total) { const i = next++; await c.commitOffsets([{ topic: 'rb', partition: i % 20, offset: String(i) }]); }
    }));
    const secs = (performance.now() - t0) / 1000;
    results[`OffsetCommit via kafkajs consumer.commitOffsets, ${window} in flight`] = { commitsPerSec: Math.round(total / secs), commits: total };
    await c.disconnect();
  }
  await admin.disconnect();
} finally {
  broker.kill('SIGTERM');
  await new Promise((r) => broker.once('exit', r));
  await zk.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify({
  bench: 'groups', results, node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30),
  date: new Date().toISOString(),
}, null, 1));
