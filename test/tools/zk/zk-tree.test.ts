/**
 * `rafka zk` against a real ZooKeeper holding Kafka-shaped trees written by this test, byte for
 * byte as Kafka writes them (reference §2.3): a healthy tree (golden human output, --json schema)
 * and a broken one (--check lines and exit code 1).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startZooKeeper, type ZooKeeperServer } from '../../helpers/zookeeper-server.js';
import { spawnBroker, type BrokerProcess } from '../../helpers/broker-process.js';
import zookeeper from 'node-zookeeper-client';
import { ZkSession, CreateMode } from '../../../src/services/zookeeper/zk-session.js';
import { PERSISTENT_ZK_PATHS } from '../../../src/services/zookeeper/zk-data.js';
import { readCluster, filterSnapshot, type ClusterSnapshot } from '../../../src/tools/zk/read-cluster.js';
import { checkCluster, formatProblem } from '../../../src/tools/zk/check.js';
import { renderSnapshot } from '../../../src/tools/zk/render.js';
import { run } from '../../../src/commands/zk.js';

let zk: ZooKeeperServer;
const sessions: ZkSession[] = [];

const TOPIC_ID = 'q2nSLUbWQ2ShYmlc7yZ0bA';
const CLUSTER_ID = 'Xh1UFp8nRCiOFi7LpN2UEA';

async function session(chroot: string): Promise<ZkSession> {
  const root = new ZkSession(zk.connectString, { sessionTimeoutMs: 6000 });
  await root.connect(5000);
  await root.mkdirp(chroot);
  root.close();
  const s = new ZkSession(`${zk.connectString}${chroot}`, { sessionTimeoutMs: 6000 });
  await s.connect(5000);
  sessions.push(s);
  for (const p of PERSISTENT_ZK_PATHS) await s.mkdirp(p);
  return s;
}

async function put(s: ZkSession, path: string, data: string | null, mode: number = CreateMode.PERSISTENT): Promise<string> {
  const parent = path.slice(0, path.lastIndexOf('/'));
  if (parent) await s.mkdirp(parent);
  return s.create(path, data === null ? null : Buffer.from(data, 'utf8'), mode);
}

const brokerJson = (id: number, port: number, rack?: string) => JSON.stringify({
  features: {}, listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' }, endpoints: [`PLAINTEXT://host${id}:${port}`],
  ...(rack ? { rack } : {}), jmx_port: -1, port, host: `host${id}`, version: 5, timestamp: `170000000${id}000`,
});

/** A healthy cluster of two brokers, every section populated. */
async function writeHealthyTree(s: ZkSession): Promise<void> {
  await put(s, '/cluster/id', `{"version":"1","id":"${CLUSTER_ID}"}`);
  await put(s, '/brokers/ids/1', brokerJson(1, 9092, 'r1'), CreateMode.EPHEMERAL);
  await put(s, '/brokers/ids/2', brokerJson(2, 9093), CreateMode.EPHEMERAL);
  await put(s, '/controller_epoch', '3');
  await put(s, '/controller', '{"version":2,"brokerid":1,"timestamp":"1700000005000","kraftControllerEpoch":-1}', CreateMode.EPHEMERAL);
  // CreateTopics: config first, then the assignment; the controller then writes partition state.
  await put(s, '/config/topics/orders', '{"version":1,"config":{"retention.ms":"86400000","cleanup.policy":"compact"}}');
  await put(s, '/brokers/topics/orders', `{"partitions":{"0":[1,2],"1":[2,1]},"topic_id":"${TOPIC_ID}","adding_replicas":{},"removing_replicas":{"1":[1]},"version":3}`);
  await put(s, '/brokers/topics/orders/partitions/0/state', '{"controller_epoch":3,"leader":1,"version":1,"leader_epoch":4,"isr":[1,2]}');
  await put(s, '/brokers/topics/orders/partitions/1/state', '{"controller_epoch":2,"leader":2,"version":1,"leader_epoch":0,"isr":[2]}');
  await s.setData('/brokers/topics/orders/partitions/1/state', Buffer.from('{"controller_epoch":3,"leader":2,"version":1,"leader_epoch":1,"isr":[2,1]}'));
  await put(s, '/config/topics/old', '{"version":1,"config":{}}');
  await put(s, '/brokers/topics/old', '{"partitions":{"0":[2]},"adding_replicas":{},"removing_replicas":{},"version":3}');
  await put(s, '/brokers/topics/old/partitions/0/state', '{"controller_epoch":3,"leader":2,"version":1,"leader_epoch":0,"isr":[2]}');
  await put(s, '/admin/delete_topics/old', null);
  await put(s, '/config/brokers/<default>', '{"version":1,"config":{"log.cleaner.threads":"2"}}');
  await put(s, '/config/brokers/1', '{"version":1,"config":{"log.retention.ms":"3600000"}}');
  await put(s, '/config/users/alice', null);
  await put(s, '/config/users/alice/clients/app', '{"version":1,"config":{"producer_byte_rate":"1024"}}');
  await put(s, '/config/clients/<default>', '{"version":1,"config":{"consumer_byte_rate":"2048"}}');
  await put(s, '/config/ips/10.0.0.1', '{"version":1,"config":{"connection_creation_rate":"10"}}');
  await put(s, '/config/changes/config_change_', '{"version":2,"entity_path":"brokers/<default>"}', CreateMode.PERSISTENT_SEQUENTIAL);
  await put(s, '/isr_change_notification/isr_change_', '{"version":1,"partitions":[{"topic":"orders","partition":1}]}', CreateMode.PERSISTENT_SEQUENTIAL);
  await put(s, '/log_dir_event_notification/log_dir_event_', '{"version":1,"broker":2,"event":1}', CreateMode.PERSISTENT_SEQUENTIAL);
  await put(s, '/feature', '{"features":{},"version":2,"status":1}');
  await s.setData('/latest_producer_id_block', Buffer.from('{"version":1,"broker":1,"block_start":"1000","block_end":"1999"}'));
  await put(s, '/kafka-acl/Topic/orders', '{"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Read","host":"*"},{"principal":"User:bob","permissionType":"Deny","operation":"Write","host":"10.0.0.9"}]}');
  await put(s, '/kafka-acl-extended/prefixed/Group/app-', '{"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Read","host":"*"}]}');
  await s.mkdirp('/kafka-acl-changes');
  await put(s, '/admin/reassign_partitions', '{"version":1,"partitions":[{"topic":"orders","partition":1,"replicas":[2]}]}');
  await put(s, '/admin/preferred_replica_election', '{"version":1,"partitions":[{"topic":"orders","partition":0}]}');
  await put(s, '/migration', '{"version":0,"kraft_controller_id":3000,"kraft_controller_epoch":1,"kraft_metadata_offset":42,"kraft_metadata_epoch":1}');
  await put(s, '/kafka-acl-extended-changes/acl_changes_', '{"version":1,"resourceType":"GROUP","name":"app-","patternType":"PREFIXED"}', CreateMode.PERSISTENT_SEQUENTIAL);
}

/** Two live brokers (1, 2) and every kind of inconsistency. */
async function writeBrokenTree(s: ZkSession): Promise<void> {
  await put(s, '/cluster/id', `{"version":"1","id":"${CLUSTER_ID}"}`);
  await put(s, '/brokers/ids/1', brokerJson(1, 9092), CreateMode.EPHEMERAL);
  await put(s, '/brokers/ids/2', brokerJson(2, 9093), CreateMode.EPHEMERAL);
  await put(s, '/controller_epoch', '7');
  await put(s, '/controller', '{"version":2,"brokerid":5,"timestamp":"1700000005000","kraftControllerEpoch":-1}', CreateMode.EPHEMERAL);
  await put(s, '/brokers/topics/orders', `{"partitions":{"0":[4,1],"1":[2,3]},"topic_id":"${TOPIC_ID}","adding_replicas":{},"removing_replicas":{},"version":3}`);
  await put(s, '/brokers/topics/orders/partitions/0/state', '{"controller_epoch":7,"leader":4,"version":1,"leader_epoch":2,"isr":[4,1]}');
  await put(s, '/brokers/topics/orders/partitions/1/state', '{"controller_epoch":7,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3]}');
  await put(s, '/brokers/topics/events', '{"partitions":{"0":[1]},"adding_replicas":{},"removing_replicas":{},"version":3}');
  await put(s, '/brokers/topics/events/partitions/0/state', '{"controller_epoch":7,"leader":-1,"version":1,"leader_epoch":3,"isr":[1]}');
  await put(s, '/admin/delete_topics/events', null);
  await put(s, '/brokers/topics/garbage', 'not json{');
  await put(s, '/config/topics/orders', '{"version":1,"config":');
  await put(s, '/config/changes/config_change_', '{"version":2,"entity_path":"topics/orders"}', CreateMode.PERSISTENT_SEQUENTIAL);
  await put(s, '/isr_change_notification/isr_change_', '{"version":1,"partitions":[{"topic":"orders","partition":1}]}', CreateMode.PERSISTENT_SEQUENTIAL);
  await put(s, '/log_dir_event_notification/log_dir_event_', '{"version":1,"broker":2,"event":1}', CreateMode.PERSISTENT_SEQUENTIAL);
  await put(s, '/feature', '{"features":{},"version":3,"status":1}');
}

/** Replaces what differs from run to run (ZooKeeper port, session ids, zxids, ctimes, read time). */
function normalise(s: ClusterSnapshot): ClusterSnapshot {
  const T = Date.UTC(2024, 0, 1);
  const c = structuredClone(s);
  c.connect = '127.0.0.1:2181/healthy';
  c.readAt = T;
  c.brokers.forEach((b, i) => { b.sessionOwner = `0x100000000000000${i + 1}`; b.brokerEpoch = 100 + i; });
  if (c.controller) c.controller.sessionOwner = '0x1000000000000001';
  for (const t of c.topics) t.ctime = T;
  if (c.reassignPartitions) c.reassignPartitions.ctime = T;
  if (c.preferredReplicaElection) c.preferredReplicaElection.ctime = T;
  for (const xs of [c.configChanges, c.isrChangeNotifications, c.logDirEventNotifications, c.pendingDeletions]) for (const x of xs) x.ctime = T;
  return c;
}

function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''; let err = '';
  return run(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } }).then((code) => ({ code, out, err }));
}

let healthy: ZkSession;
beforeAll(async () => {
  zk = await startZooKeeper();
  healthy = await session('/healthy');
  await writeHealthyTree(healthy);
  await writeBrokenTree(await session('/broken'));
});
afterAll(async () => {
  for (const s of sessions) s.close();
  await zk?.close();
});

describe('rafka zk on a Kafka-shaped tree (real ZooKeeper)', () => {
  it('decodes every section of a healthy tree', async () => {
    const s = await readCluster(healthy);
    expect(s.clusterId).toBe(CLUSTER_ID);
    expect(s.undecodable).toEqual([]);
    expect(s.missingPaths).toEqual([]);
    expect(s.controller).toMatchObject({ brokerId: 1, timestamp: 1700000005000, kraftControllerEpoch: -1, sessionOwner: `0x${BigInt(`0x${healthy.sessionId}`).toString(16)}` });
    expect(s.controllerEpoch).toMatchObject({ epoch: 3, zkVersion: 0 });
    expect(s.brokers.map((b) => b.id)).toEqual([1, 2]);
    const stat = (await healthy.exists('/brokers/ids/1'))!;
    expect(s.brokers[0]).toEqual({
      id: 1, path: '/brokers/ids/1', endpoints: ['PLAINTEXT://host1:9092'],
      listeners: [{ name: 'PLAINTEXT', host: 'host1', port: 9092, securityProtocol: 'PLAINTEXT' }],
      rack: 'r1', jmxPort: -1, timestamp: 1700000001000, features: {},
      sessionOwner: `0x${BigInt(`0x${healthy.sessionId}`).toString(16)}`, brokerEpoch: Number(stat.czxid.readBigInt64BE(0)), error: null,
    });
    const orders = s.topics.find((t) => t.name === 'orders')!;
    expect(orders.topicId).toBe(TOPIC_ID);
    expect(orders.partitions).toEqual([
      { partition: 0, path: '/brokers/topics/orders/partitions/0/state', replicas: [1, 2], addingReplicas: [], removingReplicas: [], stateError: null,
        state: { leader: 1, isr: [1, 2], leaderEpoch: 4, controllerEpoch: 3, partitionEpoch: 0, leaderRecoveryState: 0 } },
      { partition: 1, path: '/brokers/topics/orders/partitions/1/state', replicas: [2, 1], addingReplicas: [], removingReplicas: [1], stateError: null,
        state: { leader: 2, isr: [2, 1], leaderEpoch: 1, controllerEpoch: 3, partitionEpoch: 1, leaderRecoveryState: 0 } },
    ]);
    expect(s.configs.map((c) => c.path)).toEqual([
      '/config/brokers/1', '/config/brokers/<default>', '/config/clients/<default>', '/config/ips/10.0.0.1',
      '/config/topics/old', '/config/topics/orders', '/config/users/alice/clients/app',
    ]);
    expect(s.configChanges).toMatchObject([{ name: 'config_change_0000000000', sequence: 0, entityPath: 'brokers/<default>', error: null }]);
    expect(s.isrChangeNotifications).toMatchObject([{ name: 'isr_change_0000000000', partitions: [{ topic: 'orders', partition: 1 }] }]);
    expect(s.logDirEventNotifications).toMatchObject([{ name: 'log_dir_event_0000000000', broker: 2, event: 1 }]);
    expect(s.pendingDeletions).toMatchObject([{ topic: 'old', path: '/admin/delete_topics/old' }]);
    expect(Math.abs(s.pendingDeletions[0].ctime - Date.now())).toBeLessThan(60_000);
    expect(s.feature).toEqual({ path: '/feature', version: 2, status: 'enabled', features: {}, epoch: 0, error: null });
    expect(s.producerIdBlock).toEqual({ path: '/latest_producer_id_block', broker: 1, blockStart: 1000, blockEnd: 1999, error: null });
    expect(s.topics.map((t) => [t.name, t.markedForDeletion])).toEqual([['old', true], ['orders', false]]);
    expect(s.reassignPartitions).toMatchObject({ path: '/admin/reassign_partitions', partitions: [{ topic: 'orders', partition: 1, replicas: [2] }], error: null });
    expect(s.preferredReplicaElection).toMatchObject({ partitions: [{ topic: 'orders', partition: 0 }], error: null });
    expect(s.migration).toEqual({ path: '/migration', kraftControllerId: 3000, kraftControllerEpoch: 1, kraftMetadataOffset: 42, kraftMetadataEpoch: 1, error: null });
    expect(s.acls).toMatchObject({ count: 3, pendingChanges: 1, presentPaths: ['/kafka-acl', '/kafka-acl-extended', '/kafka-acl-changes', '/kafka-acl-extended-changes'] });
    expect(s.acls.resources.map((r) => `${r.patternType} ${r.resourceType}:${r.name}`)).toEqual(['LITERAL Topic:orders', 'PREFIXED Group:app-']);
    // Fresh notifications and deletions are not stale at Kafka's 15 minutes: a healthy tree checks clean.
    expect(checkCluster(s, { staleMinutes: 15 })).toEqual([]);
  });

  it('renders the healthy tree as human tables (golden output)', async () => {
    const text = renderSnapshot(normalise(await readCluster(healthy, { connect: 'x', chroot: '/healthy' })));
    await expect(text).toMatchFileSnapshot('./golden/healthy-tree.txt');
  });

  it('does not flag a KRaft controller in /controller (ZK migration) as an unregistered broker', async () => {
    const s = await readCluster(healthy);
    s.controller = { ...s.controller!, brokerId: 3000, kraftControllerEpoch: 1 };
    expect(checkCluster(s, { staleMinutes: 15 })).toEqual([]);
    expect(renderSnapshot(s)).toContain('Controller: KRaft controller 3000 (ZK migration), KRaft controller epoch 1, since 2023-11-14T22:13:25.000Z; controller epoch 3');
    s.controller.kraftControllerEpoch = -1;
    expect(checkCluster(s, { staleMinutes: 15 }).map(formatProblem)).toEqual(['/controller: controller is broker 3000, which is not registered in /brokers/ids (live brokers: 1,2)']);
    s.brokers = [];
    expect(checkCluster(s, { staleMinutes: 15 }).map(formatProblem)[0]).toBe('/brokers/ids: no broker is registered: the whole cluster is down');
  });

  it('restricts output to a path prefix', async () => {
    const s = filterSnapshot(await readCluster(healthy), '/brokers/topics/orders/partitions/1');
    expect(s.topics.map((t) => [t.name, t.partitions.map((p) => p.partition)])).toEqual([['orders', [1]]]);
    expect(s.brokers).toEqual([]);
    expect(s.clusterId).toBeNull();
    const text = renderSnapshot(normalise(s));
    expect(text).not.toContain('Brokers');
    expect(text).toContain('Topics (/brokers/topics): 1, 1 partitions');
    const r = await runCli([`${zk.connectString}/healthy`, '/config/users']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('users  alice/clients/app  producer_byte_rate=1024');
    expect(r.out).not.toContain('orders');
  });

  it('--json prints the snapshot with a stable schema', async () => {
    const r = await runCli([`${zk.connectString}/healthy`, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j).sort()).toEqual([
      'acls', 'brokers', 'chroot', 'clusterId', 'configChanges', 'configs', 'connect', 'controller', 'controllerEpoch', 'feature', 'filter',
      'isrChangeNotifications', 'logDirEventNotifications', 'migration', 'missingPaths', 'pendingDeletions', 'preferredReplicaElection', 'problems',
      'producerIdBlock', 'readAt', 'reassignPartitions', 'schema', 'topics', 'undecodable',
    ]);
    const N = expect.any(Number); const S = expect.any(String);
    expect(j).toMatchObject({ schema: 'rafka.zk.snapshot/1', connect: `${zk.connectString}/healthy`, chroot: '/healthy', readAt: N, filter: null, clusterId: CLUSTER_ID, problems: null });
    expect(Object.keys(j.brokers[0]).sort()).toEqual(['brokerEpoch', 'endpoints', 'error', 'features', 'id', 'jmxPort', 'listeners', 'path', 'rack', 'sessionOwner', 'timestamp']);
    expect(j.brokers[0]).toMatchObject({ id: 1, brokerEpoch: N, sessionOwner: expect.stringMatching(/^0x[0-9a-f]{1,16}$/), timestamp: 1700000001000 });
    expect(j.controller).toEqual({ path: '/controller', brokerId: 1, timestamp: 1700000005000, kraftControllerEpoch: -1, sessionOwner: S, error: null });
    expect(j.controllerEpoch).toEqual({ path: '/controller_epoch', epoch: 3, zkVersion: 0, error: null });
    expect(Object.keys(j.topics[0]).sort()).toEqual(['ctime', 'error', 'markedForDeletion', 'name', 'partitions', 'path', 'topicId']);
    expect(Object.keys(j.topics[0].partitions[0]).sort()).toEqual(['addingReplicas', 'partition', 'path', 'removingReplicas', 'replicas', 'state', 'stateError']);
    expect(Object.keys(j.topics[0].partitions[0].state).sort()).toEqual(['controllerEpoch', 'isr', 'leader', 'leaderEpoch', 'leaderRecoveryState', 'partitionEpoch']);
    expect(j.configs[0]).toEqual({ type: 'brokers', name: '1', path: '/config/brokers/1', config: { 'log.retention.ms': '3600000' }, error: null });
    expect(j.configChanges[0]).toEqual({ name: 'config_change_0000000000', path: '/config/changes/config_change_0000000000', sequence: 0, ctime: N, error: null, entityPath: 'brokers/<default>' });
    expect(j.isrChangeNotifications[0]).toEqual({ name: 'isr_change_0000000000', path: '/isr_change_notification/isr_change_0000000000', sequence: 0, ctime: N, error: null, partitions: [{ topic: 'orders', partition: 1 }] });
    expect(j.logDirEventNotifications[0]).toEqual({ name: 'log_dir_event_0000000000', path: '/log_dir_event_notification/log_dir_event_0000000000', sequence: 0, ctime: N, error: null, broker: 2, event: 1 });
    expect(j.pendingDeletions[0]).toEqual({ topic: 'old', path: '/admin/delete_topics/old', ctime: N });
    expect(j.acls.resources[0]).toEqual({
      path: '/kafka-acl/Topic/orders', patternType: 'LITERAL', resourceType: 'Topic', name: 'orders', error: null,
      acls: [{ principal: 'User:alice', permissionType: 'Allow', operation: 'Read', host: '*' }, { principal: 'User:bob', permissionType: 'Deny', operation: 'Write', host: '10.0.0.9' }],
    });
    expect(j.reassignPartitions).toEqual({ path: '/admin/reassign_partitions', partitions: [{ topic: 'orders', partition: 1, replicas: [2] }], ctime: N, error: null });
    expect(j.preferredReplicaElection).toEqual({ path: '/admin/preferred_replica_election', partitions: [{ topic: 'orders', partition: 0 }], ctime: N, error: null });
    const checked = JSON.parse((await runCli([`${zk.connectString}/healthy`, '--json', '--check', '--stale-minutes', '0'])).out);
    expect(checked.problems.map((p: any) => Object.keys(p).sort().join())).toContain('kind,message,path');
  });

  it('--check lists each inconsistency with its znode path and exits 1', async () => {
    const r = await runCli([`${zk.connectString}/broken`, '--check', '--stale-minutes', '0']);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\/brokers\/topics\/garbage: cannot decode: Failed to parse the topic garbage assignment json not json\{: /);
    expect(lines[1]).toMatch(/^\/config\/topics\/orders: cannot decode: Failed to parse the entity config json \{"version":1,"config":: /);
    expect(lines.slice(2)).toEqual([
      '/feature: cannot decode: Unsupported version 3 of feature znode',
      '/controller: controller is broker 5, which is not registered in /brokers/ids (live brokers: 1,2)',
      '/brokers/topics/events/partitions/0/state: events-0 has no leader (leader -1): the partition is offline',
      '/brokers/topics/orders: partition 0 is assigned to broker(s) 4, not registered in /brokers/ids (live brokers: 1,2)',
      '/brokers/topics/orders/partitions/0/state: orders-0 leader 4 is not a live broker (live brokers: 1,2)',
      '/brokers/topics/orders/partitions/0/state: orders-0 ISR member(s) 4 not alive (isr 4,1; live brokers: 1,2)',
      '/brokers/topics/orders: partition 1 is assigned to broker(s) 3, not registered in /brokers/ids (live brokers: 1,2)',
      '/brokers/topics/orders/partitions/1/state: orders-1 ISR member(s) 3 not alive (isr 2,3; live brokers: 1,2)',
      '/admin/delete_topics/events: deletion of topic events pending for 0 min (threshold 0 min)',
      '/admin/delete_topics/events: deletion of topic events cannot complete: partition(s) 0 have no leader (leader -1)',
      '/config/changes/config_change_0000000000: config change notification created 0 min ago, not processed (threshold 0 min)',
      '/isr_change_notification/isr_change_0000000000: ISR change notification created 0 min ago, not processed (threshold 0 min)',
      '/log_dir_event_notification/log_dir_event_0000000000: log dir event notification created 0 min ago, not processed (threshold 0 min)',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`rafka zk: 15 problems found in ${zk.connectString}/broken\n`);
    // Default threshold: the fresh notifications and deletion are not stale yet.
    const fresh = await runCli([`${zk.connectString}/broken`, '--check']);
    expect(fresh.out).not.toContain('min ago');
    expect(fresh.out).not.toContain('pending for');
    // A filter restricts problems to its subtree.
    const orders = await runCli([`${zk.connectString}/broken`, '--check', '/brokers/topics/orders/partitions/1']);
    expect(orders.out).toBe('/brokers/topics/orders/partitions/1/state: orders-1 ISR member(s) 3 not alive (isr 2,3; live brokers: 1,2)\n');
    expect(orders.code).toBe(1);
  });

  it('the built CLI exits 1 on problems and 0 on a clean tree, printing nothing else on stdout', async () => {
    const bad: BrokerProcess = spawnBroker(['zk', `${zk.connectString}/broken`, '--check']);
    const good: BrokerProcess = spawnBroker(['zk', `${zk.connectString}/healthy`, '--check']);
    expect(await bad.waitForExit(15_000), bad.stderr.join('\n')).toBe(1);
    expect(bad.logs.map((l) => l.msg)).toContain('/controller: controller is broker 5, which is not registered in /brokers/ids (live brokers: 1,2)');
    expect(await good.waitForExit(15_000), `${good.logs.map((l) => l.msg).join('\n')}\n${good.stderr.join('\n')}`).toBe(0);
    expect(good.logs).toEqual([]);
    expect(good.stderr.join('\n')).toContain('no problems found');
  });

  it('shows undecodable znodes in the human output', async () => {
    const r = await runCli([`${zk.connectString}/broken`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('garbage  (undecodable)');
    expect(r.out).toContain('Feature (/feature): (undecodable), epoch 0');
    expect(r.out).toMatch(/Undecodable znodes: 3\n\/brokers\/topics\/garbage: Failed to parse/);
  });

  it('reads around znodes the ACLs hide (zookeeper.set.acl=true sensitive paths) and names them', async () => {
    const s = await session('/secured');
    await put(s, '/brokers/ids/1', brokerJson(1, 9092), CreateMode.EPHEMERAL);
    const acl = [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('digest', 'admin:x9BdjQ2t6x2hK4Y5Xg0t6zP9cKs='))];
    await new Promise<void>((resolve, reject) => s.client.create('/config/brokers/<default>', Buffer.from('{"version":1,"config":{}}'), acl,
      zookeeper.CreateMode.PERSISTENT, (e) => (e ? reject(e) : resolve())));
    const r = await runCli([`${zk.connectString}/secured`, '--check', '/config']);
    expect(r.out).toBe('/config/brokers/<default>: not readable: NO_AUTH (the znode ACL denies an unauthenticated client)\n');
    expect(r.code).toBe(1);
    const j = JSON.parse((await runCli([`${zk.connectString}/secured`, '--json'])).out);
    expect(j.brokers.map((b: { id: number }) => b.id)).toEqual([1]);
    expect(j.configs).toEqual([]);
  });

  it('never writes: the tree is byte-identical after a read', async () => {
    const before = await dump(healthy, '/');
    await runCli([`${zk.connectString}/healthy`, '--check', '--json']);
    expect(await dump(healthy, '/')).toEqual(before);
  });
});

async function dump(s: ZkSession, path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const node = await s.getData(path);
  out[path] = `${node.stat.version}:${node.stat.cversion}:${node.data?.toString('base64') ?? ''}`;
  for (const c of (await s.getChildren(path)).sort()) Object.assign(out, await dump(s, path === '/' ? `/${c}` : `${path}/${c}`));
  return out;
}
