/**
 * Hostile input against the running broker: ≥ 100,000 mutated and random frames over many
 * connections. Each bad frame may close its connection, never the broker; afterwards a
 * well-formed client still works and memory stayed bounded.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connect } from 'node:net';
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, cleanupAll, eventually, type TestBroker } from './support.js';
import { encodeRequest } from '../../src/protocol/frame.js';
import { ApiKey } from '../../src/protocol/api-keys.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let port: number;

beforeAll(async () => {
  zk = await startZooKeeper();
  b = await brokerConfig(zk, { 'socket.request.max.bytes': '1048576', 'auto.create.topics.enable': 'false' });
  // -v error: 100,000 closed connections would otherwise be 100,000 warning lines.
  broker = startBroker(b, ['-v', 'error']);
  port = Number(b.props.listeners.split(':').pop());
  await eventually(async () => (await kcatMetadata()).code === 0, 30_000, 'the broker to serve Metadata');
}, 60_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

function kcatMetadata(): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => execFile('kcat', ['-b', `127.0.0.1:${port}`, '-L', '-J', '-m', '3'], { timeout: 20_000 }, (err, out) => resolve({ code: err ? 1 : 0, out })));
}

/** Deterministic PRNG so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s; };
}

const SEEDS: Buffer[] = [
  encodeRequest({ requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId: 1, clientId: 'fuzz' }, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1.0' }),
  encodeRequest({ requestApiKey: ApiKey.Metadata, requestApiVersion: 9, correlationId: 2, clientId: 'fuzz' }, { topics: [{ name: 'nope' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }),
  encodeRequest({ requestApiKey: ApiKey.Metadata, requestApiVersion: 0, correlationId: 3, clientId: 'fuzz' }, { topics: [] }),
  encodeRequest({ requestApiKey: ApiKey.ListOffsets, requestApiVersion: 1, correlationId: 4, clientId: 'fuzz' }, { replicaId: -1, topics: [{ name: 'nope', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] }),
];

/** A frame: a mutated seed (flips, truncation, bad lengths) or pure random bytes, size-prefixed. */
function mutatedFrame(rnd: () => number): Buffer {
  const kind = rnd() % 4;
  if (kind === 0) {
    const body = Buffer.alloc(rnd() % 300);
    for (let i = 0; i < body.length; i++) body[i] = rnd() & 0xff;
    const f = Buffer.alloc(4 + body.length);
    f.writeInt32BE(body.length, 0);
    body.copy(f, 4);
    return f;
  }
  const f = Buffer.from(SEEDS[rnd() % SEEDS.length]);
  if (kind === 1) { const flips = 1 + (rnd() % 4); for (let i = 0; i < flips; i++) f[4 + (rnd() % (f.length - 4))] ^= 1 << (rnd() % 8); }
  if (kind === 2) { const cut = 4 + (rnd() % (f.length - 4)); const t = f.subarray(0, cut); t.writeInt32BE(cut - 4, 0); return Buffer.from(t); }
  if (kind === 3) f.writeInt32BE([-1, 0x7fffffff, 2_000_000, f.length][rnd() % 4], 0);
  return f;
}

/** One connection: writes frames until the broker closes it or `count` frames are sent; resolves the number sent. */
function session(frames: Buffer[]): Promise<number> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let sent = 0;
    const done = () => { s.destroy(); resolve(sent); };
    s.on('error', done);
    s.on('close', done);
    s.on('connect', () => {
      for (const f of frames) { if (s.destroyed) break; s.write(f); sent++; }
      s.end();
    });
    setTimeout(() => { if (!s.destroyed && process.env.FUZZ_DEBUG) console.log('TIMEOUT', frames.map((f) => f.toString('hex').slice(0, 80))); done(); }, 3000).unref();
  });
}

describe('fuzzing the running broker', () => {
  it('survives 100,000 mutated and random frames and still serves a real client', async () => {
    const rnd = prng(20261124);
    const rssBefore = await rssKiB(broker.pid);
    let sent = 0;
    // Mostly one frame per connection, so (nearly) every frame reaches the decoder rather than
    // queueing behind an earlier bad frame that closed the connection.
    const workers = 32; // below socket.listen.backlog.size (50): more would just wait on SYN retries
    const perSession = 2;
    while (sent < Number(process.env.FUZZ_FRAMES ?? 100_000)) {
      const batch = await Promise.all(Array.from({ length: workers }, () => session(Array.from({ length: perSession }, () => mutatedFrame(rnd)))));
      sent += batch.reduce((a, n) => a + n, 0);
      expect(broker.exited, broker.tail()).toBe(false);
    }
    expect(sent).toBeGreaterThanOrEqual(Number(process.env.FUZZ_FRAMES ?? 100_000));
    await new Promise((r) => setTimeout(r, 500));
    const rssAfter = await rssKiB(broker.pid);
    expect(rssAfter - rssBefore, `RSS ${rssBefore} → ${rssAfter} KiB`).toBeLessThan(150 * 1024);
    const kcat = await kcatMetadata();
    expect(kcat.code).toBe(0);
    expect(JSON.parse(kcat.out).brokers).toEqual([{ id: 1, name: `127.0.0.1:${port}` }]);
    expect(broker.exited).toBe(false);
  }, 240_000);
});
