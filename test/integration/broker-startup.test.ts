/**
 * KafkaServer.startup() in ZooKeeper and on disk, with the real broker process and a real
 * ZooKeeper: fresh boot, restart, generated ids, clean shutdown.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { readFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, inspectZk, readJson, cleanupAll } from './support.js';
import { PERSISTENT_ZK_PATHS } from '../../src/services/zookeeper/zk-data.js';

let zk: ZooKeeperServer;
beforeAll(async () => { zk = await startZooKeeper(); });
afterEach(async () => { await stopAllBrokers(); });
afterAll(async () => { await cleanupAll(); await zk?.close(); });

const exists = (p: string) => access(p).then(() => true, () => false);

describe('broker startup (real ZooKeeper, real broker process)', () => {
  it('boots to a registered broker with Kafka\'s ZooKeeper layout and on-disk metadata', async () => {
    const b = await brokerConfig(zk, { 'broker.rack': 'r1' });
    const broker = startBroker(b);
    await broker.waitForLog(started);
    const s = await inspectZk(zk, b.chroot);
    for (const p of PERSISTENT_ZK_PATHS) expect(await s.exists(p), p).not.toBeNull();
    const clusterId = (await readJson(s, '/cluster/id')).id;
    expect(clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const port = Number(b.props.listeners.split(':').pop());
    const reg = await readJson(s, '/brokers/ids/1');
    expect(reg).toMatchObject({
      version: 5, host: '127.0.0.1', port, jmx_port: -1, rack: 'r1', features: {},
      endpoints: [`PLAINTEXT://127.0.0.1:${port}`], listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' },
    });
    expect(Number(reg.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect((await s.getData('/brokers/ids/1')).stat.ephemeralOwner.readBigInt64BE(0)).not.toBe(0n);
    expect(await readJson(s, '/controller')).toMatchObject({ version: 2, brokerid: 1, kraftControllerEpoch: -1 });
    expect((await s.getData('/controller_epoch')).data!.toString()).toBe('1');
    expect(await readJson(s, '/feature')).toEqual({ version: 2, status: 1, features: {} });
    for (const dir of b.logDirs) {
      const meta = await readFile(join(dir, 'meta.properties'), 'utf8');
      expect(meta).toMatch(/^#\n#\w{3} \w{3} \d\d \d\d:\d\d:\d\d \w+ \d{4}\n/);
      expect(meta).toContain('version=0\n');
      expect(meta).toContain('broker.id=1\n');
      expect(meta).toContain(`cluster.id=${clusterId}\n`);
      expect(await exists(join(dir, '.lock'))).toBe(true);
    }
    const states = broker.logs.filter((l) => typeof l.brokerState === 'string').map((l) => l.brokerState);
    expect(states).toEqual(['STARTING', 'RECOVERY', 'RUNNING']);
  });

  it('shuts down cleanly on SIGTERM: exit 0, ephemerals gone, clean-shutdown marker written, locks released', async () => {
    const b = await brokerConfig(zk);
    const broker = startBroker(b);
    await broker.waitForLog(started);
    const s = await inspectZk(zk, b.chroot);
    expect(await s.exists('/brokers/ids/1')).not.toBeNull();
    const t0 = Date.now();
    expect(await broker.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await s.exists('/brokers/ids/1')).toBeNull();
    expect(await s.exists('/controller')).toBeNull();
    for (const dir of b.logDirs) {
      expect(JSON.parse(await readFile(join(dir, '.kafka_cleanshutdown'), 'utf8'))).toEqual({ version: 0, brokerEpoch: -1 });
      expect(await exists(join(dir, '.lock'))).toBe(false);
    }
    const states = broker.logs.filter((l) => typeof l.brokerState === 'string').map((l) => l.brokerState);
    expect(states.slice(-2)).toEqual(['SHUTTING_DOWN', 'NOT_RUNNING']);
  });

  it('restarts on the same dirs with the same cluster and broker ids, consuming the clean-shutdown marker', async () => {
    const b = await brokerConfig(zk);
    const first = startBroker(b);
    await first.waitForLog(started);
    const s = await inspectZk(zk, b.chroot);
    const clusterId = (await readJson(s, '/cluster/id')).id;
    expect(await first.stop()).toBe(0);
    const second = startBroker(b);
    const loaded = await second.waitForLog((l) => l.msg.startsWith('Log manager ready'));
    expect(loaded.hadCleanShutdown).toEqual(b.logDirs);
    await second.waitForLog(started);
    expect((await readJson(s, '/cluster/id')).id).toBe(clusterId);
    expect(await s.exists('/brokers/ids/1')).not.toBeNull();
    for (const dir of b.logDirs) expect(await exists(join(dir, '.kafka_cleanshutdown'))).toBe(false);
  });

  it('generates broker id 1001 from /brokers/seqid when none is configured, and keeps it across restarts', async () => {
    const b = await brokerConfig(zk, { 'broker.id': '' });
    const first = startBroker(b);
    expect((await first.waitForLog((l) => l.source === 'generated')).brokerId).toBe(1001);
    await first.waitForLog(started);
    const s = await inspectZk(zk, b.chroot);
    expect(await s.exists('/brokers/ids/1001')).not.toBeNull();
    expect(await readFile(join(b.logDirs[0], 'meta.properties'), 'utf8')).toContain('broker.id=1001\n');
    expect(await first.stop()).toBe(0);
    const second = startBroker(b);
    expect((await second.waitForLog((l) => l.source !== undefined)).source).toBe('stored');
    await second.waitForLog(started);
    expect(await s.exists('/brokers/ids/1001')).not.toBeNull();
  });

  it('takes a dir with a corrupt meta.properties offline and keeps serving from the others', async () => {
    const b = await brokerConfig(zk);
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(b.logDirs[1], { recursive: true });
    await writeFile(join(b.logDirs[1], 'meta.properties'), 'version=0\nbroker.id=abc\n');
    const broker = startBroker(b);
    const ready = await broker.waitForLog((l) => l.msg === 'Log dirs ready');
    expect(ready.online).toEqual([b.logDirs[0]]);
    expect(ready.offline).toEqual([b.logDirs[1]]);
    await broker.waitForLog(started);
    expect(await readFile(join(b.logDirs[1], 'meta.properties'), 'utf8')).toBe('version=0\nbroker.id=abc\n'); // untouched
    expect(broker.logs.some((l) => l.level === 50 && String(l.msg).includes(b.logDirs[1]) && String(l.msg).includes('broker.id'))).toBe(true);
  });

  it('answers --help and --version at once without reading any config', async () => {
    const { spawnBroker } = await import('../helpers/broker-process.js');
    for (const flag of ['--help', '--version']) {
      const p = spawnBroker([flag, '/nonexistent/config']);
      expect(await p.waitForExit(10_000)).toBe(0);
      const out = p.logs.map((l) => l.msg).join('\n');
      expect(out).toMatch(flag === '--help' ? /Usage: rafka/ : /^rafka \d+\.\d+\.\d+/);
    }
  });
});
