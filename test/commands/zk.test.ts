/**
 * `rafka zk` end to end with the built CLI: a tree written by a running Rafka broker, an
 * unreachable ZooKeeper (exit 3), a missing chroot (exit 3), usage errors (exit 2).
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { startZooKeeper, freePort, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { spawnBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, inspectZk, readJson, cleanupAll } from '../integration/support.js';
import { run } from '../../src/commands/zk.js';

let zk: ZooKeeperServer;
beforeAll(async () => { zk = await startZooKeeper(); });
afterEach(async () => { await stopAllBrokers(); });
afterAll(async () => { await cleanupAll(); await zk?.close(); });

/** stdout of the CLI (the helper keeps non-JSON lines raw; pretty JSON never has a whole-object line). */
const stdout = (p: BrokerProcess) => p.logs.map((l) => l.msg).join('\n');

function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''; let err = '';
  return run(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } }).then((code) => ({ code, out, err }));
}

describe('rafka zk (built CLI, real ZooKeeper)', () => {
  it('decodes the tree a running Rafka broker wrote: brokers, controller, cluster id, feature', async () => {
    const b = await brokerConfig(zk, { 'broker.rack': 'r1' });
    const broker = startBroker(b);
    await broker.waitForLog(started);
    const s = await inspectZk(zk, b.chroot);
    const clusterId = (await readJson(s, '/cluster/id')).id;
    const reg = (await s.exists('/brokers/ids/1'))!;
    const port = Number(b.props.listeners.split(':').pop());

    const p = spawnBroker(['zk', `${zk.connectString}${b.chroot}`, '--json']);
    expect(await p.waitForExit(15_000), p.stderr.join('\n')).toBe(0);
    const j = JSON.parse(stdout(p));
    expect(j.clusterId).toBe(clusterId);
    expect(j.brokers).toEqual([{
      id: 1, path: '/brokers/ids/1', endpoints: [`PLAINTEXT://127.0.0.1:${port}`],
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port, securityProtocol: 'PLAINTEXT' }],
      rack: 'r1', jmxPort: -1, timestamp: expect.any(Number), features: {},
      sessionOwner: `0x${reg.ephemeralOwner.readBigUInt64BE(0).toString(16)}`, brokerEpoch: Number(reg.czxid.readBigInt64BE(0)), error: null,
    }]);
    expect(Date.now() - j.brokers[0].timestamp).toBeLessThan(60_000);
    expect(j.controller).toMatchObject({ brokerId: 1, kraftControllerEpoch: -1, sessionOwner: `0x${reg.ephemeralOwner.readBigUInt64BE(0).toString(16)}`, error: null });
    expect(j.controllerEpoch).toMatchObject({ epoch: 1, error: null });
    expect(j.feature).toEqual({ path: '/feature', version: 2, status: 'enabled', features: {}, epoch: 0, error: null });
    expect(j.missingPaths).toEqual([]);
    expect(j.undecodable).toEqual([]);

    const human = spawnBroker(['zk', `${zk.connectString}${b.chroot}`, '--check']);
    expect(await human.waitForExit(15_000), `${stdout(human)}\n${human.stderr.join('\n')}`).toBe(0);
    const table = await runCli([`${zk.connectString}${b.chroot}`]);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toContain(`Cluster id: ${clusterId}`);
    expect(table.out).toMatch(new RegExp(`^1   PLAINTEXT://127\\.0\\.0\\.1:${port}  r1    -1   \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  0x[0-9a-f]+ +\\d+ +-$`, 'm'));
    expect(table.out).toContain('Feature (/feature): enabled, epoch 0, version 2, finalized features: (none)');

    // The broker gone (clean shutdown), its registration and /controller are gone too: nothing left to contradict.
    expect(await broker.stop()).toBe(0);
    const after = await runCli([`${zk.connectString}${b.chroot}`, '--json']);
    expect(JSON.parse(after.out)).toMatchObject({ brokers: [], controller: null, clusterId });
  });

  it('exits 3 with a clear message when ZooKeeper is unreachable within --timeout', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const p = spawnBroker(['zk', `127.0.0.1:${port}`, '--timeout', '1000']);
    expect(await p.waitForExit(15_000)).toBe(3);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(p.stderr.join('\n')).toBe(`rafka zk: cannot connect to ZooKeeper at 127.0.0.1:${port} within 1000 ms (--timeout): is ZooKeeper running and reachable there?`);
    expect(p.logs).toEqual([]);
  });

  it('exits 3 when ZooKeeper accepts the TCP connection but never answers (hung JVM)', async () => {
    const pid = zk.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const r = await runCli([zk.connectString, '--timeout', '1000']);
      expect(r.code).toBe(3);
      expect(r.err).toContain(`cannot connect to ZooKeeper at ${zk.connectString} within 1000 ms (--timeout)`);
      expect(Date.now() - t0).toBeLessThan(6000); // the 1 s timeout, not the hung server, decides
      // The process must not wait for the hung server either (close() alone would leave the socket open): a hang
      // never exits; the bound leaves room for a Node start on a loaded machine (CI measured 10 s for both steps).
      const p = spawnBroker(['zk', zk.connectString, '--timeout', '1000']);
      expect(await p.waitForExit(20_000)).toBe(3);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('exits 3 when the chroot does not exist (and creates nothing)', async () => {
    const r = await runCli([`${zk.connectString}/no-such-chroot`, '--timeout', '5000']);
    expect(r.code).toBe(3);
    expect(r.err).toBe(`rafka zk: chroot /no-such-chroot does not exist in ZooKeeper at ${zk.connectString}: no Kafka cluster uses this path (check the /chroot part of CONNECT)\n`);
    const root = await inspectZk(zk, '');
    expect(await root.exists('/no-such-chroot')).toBeNull();
  });

  it('reports an empty chroot as missing Kafka paths under --check', async () => {
    const root = await inspectZk(zk, '');
    await root.mkdirp('/empty-chroot');
    const r = await runCli([`${zk.connectString}/empty-chroot`, '--check']);
    expect(r.code).toBe(1);
    expect(r.out).toBe([
      '/brokers/ids: znode is missing: not a Kafka ZooKeeper tree, or no broker has started against it',
      '/brokers/topics: znode is missing: not a Kafka ZooKeeper tree, or no broker has started against it',
      '',
    ].join('\n'));
  });

  it('exits 2 on usage errors', async () => {
    for (const argv of [[], ['a:1', 'b', 'c'], ['127.0.0.1:2181', 'brokers'], ['127.0.0.1:2181', '--timeout', 'x'], ['127.0.0.1:2181', '--stale-minutes=-1'], ['127.0.0.1:2181', '--bogus']]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(/^rafka zk: [^]+\n\nUsage: rafka zk CONNECT/);
    }
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Exit codes: 0 ok, 1 --check found problems, 2 usage error');
  });
});
