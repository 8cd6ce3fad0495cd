import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startZooKeeper, type ZooKeeperServer } from '../../helpers/zookeeper-server.js';
import { ZkSession } from '../../../src/services/zookeeper/zk-session.js';
import { ensureChroot, createTopLevelPaths, registerBroker, tryElectController } from '../../../src/services/zookeeper/kafka-zk-client.js';
import { reconcile, ControllerMovedError, type ControllerEpochInfo } from '../../../src/services/controller/controller-reconcile.js';
import { changeEntityConfig, createTopicWithAssignment, markTopicForDeletion, TopicExistsError, writeTopicAssignment } from '../../../src/services/admin/admin-zk-client.js';
import { InvalidTopicError } from '../../../src/services/admin/topic-validation.js';
import { TopicZNode } from '../../../src/services/zookeeper/zk-data-topics.js';
import { electLeaders, ElectionType } from '../../../src/services/controller/replica-election.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

let zk: ZooKeeperServer;
const sessions: ZkSession[] = [];
let n = 0;

async function cluster(): Promise<{ s: ZkSession; ctl: ControllerEpochInfo }> {
  const chroot = `/c${++n}`;
  await ensureChroot(`${zk.connectString}${chroot}`, 6000, 5000);
  const s = new ZkSession(`${zk.connectString}${chroot}`, { sessionTimeoutMs: 6000 });
  sessions.push(s);
  await s.connect(5000);
  await createTopLevelPaths(s);
  await registerBroker(s, { id: 1, rack: null, jmxPort: -1, timestamp: 1, features: {}, endpoints: [{ listenerName: 'PLAINTEXT', host: 'h', port: 9092, securityProtocol: 'PLAINTEXT' }] });
  const e = await tryElectController(s, 1);
  return { s, ctl: { brokerId: 1, epoch: e.epoch, epochZkVersion: e.epochZkVersion } };
}

const json = async (s: ZkSession, p: string) => JSON.parse((await s.getData(p)).data!.toString());

beforeAll(async () => { zk = await startZooKeeper(); });
afterAll(async () => { sessions.forEach((s) => s.close()); await zk?.close(); });

describe('controller reconciliation against a real ZooKeeper', () => {
  it('creates partition state for a new topic as Kafka\'s controller writes it', async () => {
    const { s, ctl } = await cluster();
    const topicId = await createTopicWithAssignment(s, { topic: 'orders', assignment: new Map([[0, [1]], [1, [1]]]), configs: { 'retention.ms': '1000' } });
    expect(await json(s, '/config/topics/orders')).toEqual({ version: 1, config: { 'retention.ms': '1000' } });
    expect(await json(s, '/brokers/topics/orders')).toEqual({ version: 3, partitions: { 0: [1], 1: [1] }, adding_replicas: {}, removing_replicas: {}, topic_id: topicId });
    const { metadata } = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(await json(s, '/brokers/topics/orders/partitions/1/state')).toEqual({ version: 1, leader: 1, leader_epoch: 0, isr: [1], controller_epoch: ctl.epoch });
    expect(metadata.topics).toEqual([{ name: 'orders', topicId, partitions: [0, 1].map((p) => ({ partition: p, leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: ctl.epoch, replicas: [1], offlineReplicas: [], partitionEpoch: 0, leaderRecoveryState: 0 })) }]);
    expect(metadata.brokers.map((b) => b.id)).toEqual([1]);
    // Idempotent: a second pass changes nothing.
    const again = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(again.metadata).toEqual(metadata);
  });

  it('a topic\'s assignment watch re-armed by every reconcile fires once: the added partitions get state and topic_id stays', async () => {
    const { s, ctl } = await cluster();
    const topicId = await createTopicWithAssignment(s, { topic: 'grow', assignment: new Map([[0, [1]]]) });
    let fired = 0;
    const onTopicChange = () => { fired++; };
    await reconcile(s, ctl, { deleteTopicEnable: true, onTopicChange });
    await reconcile(s, ctl, { deleteTopicEnable: true, onTopicChange }); // re-armed with the same function: still one watcher per path
    const node = await s.getData('/brokers/topics/grow');
    await writeTopicAssignment(s, 'grow', { partitions: new Map([[0, [1]], [1, [1]], [2, [1]]]), addingReplicas: new Map(), removingReplicas: new Map(), topicId }, node.stat.version);
    const deadline = Date.now() + 5000;
    while (fired === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    expect(fired).toBe(1);
    const { metadata } = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(metadata.topics[0]!.partitions.map((p) => [p.partition, p.leader])).toEqual([[0, 1], [1, 1], [2, 1]]);
    expect(await json(s, '/brokers/topics/grow/partitions/2/state')).toMatchObject({ leader: 1, isr: [1], leader_epoch: 0 });
    expect(await json(s, '/brokers/topics/grow')).toMatchObject({ topic_id: topicId });
  });

  it('changeEntityConfig writes /config/topics/<t> and a version-2 /config/changes notification (the unknown-topic check is the AlterConfigs handler\'s)', async () => {
    const { s } = await cluster();
    await createTopicWithAssignment(s, { topic: 'c', assignment: new Map([[0, [1]]]) });
    await changeEntityConfig(s, 'topics', 'c', { 'retention.ms': '5' });
    expect(await json(s, '/config/topics/c')).toEqual({ version: 1, config: { 'retention.ms': '5' } });
    const changes = (await s.getChildren('/config/changes')).sort();
    expect(changes.at(-1)).toMatch(/^config_change_\d{10}$/);
    expect(await json(s, `/config/changes/${changes.at(-1)}`)).toEqual({ version: 2, entity_path: 'topics/c' });
  });

  it('leads from the first live replica and elects a new leader from the ISR when the leader is gone', async () => {
    const { s, ctl } = await cluster();
    await createTopicWithAssignment(s, { topic: 't', assignment: new Map([[0, [2, 1]]]) });
    const { metadata } = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(metadata.topics[0].partitions[0]).toMatchObject({ leader: 1, isr: [1], offlineReplicas: [2] });
    await s.setData('/brokers/topics/t/partitions/0/state', Buffer.from(JSON.stringify({ version: 1, leader: 2, leader_epoch: 4, isr: [2, 1], controller_epoch: 1 })));
    const next = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(next.metadata.topics[0].partitions[0]).toMatchObject({ leader: 1, leaderEpoch: 5, isr: [1] });
    expect(await json(s, '/brokers/topics/t/partitions/0/state')).toMatchObject({ leader: 1, leader_epoch: 5, isr: [1], controller_epoch: ctl.epoch });
  });

  it('elects only from the live ISR: leader -1 with the ISR kept when none is online, unclean only when the topic allows it (logged loudly)', async () => {
    const { s, ctl } = await cluster();
    await createTopicWithAssignment(s, { topic: 'u', assignment: new Map([[0, [2, 3, 1]]]) });
    await reconcile(s, ctl, { deleteTopicEnable: true });
    // Broker 1 is live but out of sync; 2 and 3 (the ISR) are gone.
    await s.setData('/brokers/topics/u/partitions/0/state', Buffer.from(JSON.stringify({ version: 1, leader: 2, leader_epoch: 4, isr: [2, 3], controller_epoch: 1 })));
    const r = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(r.metadata.topics[0].partitions[0]).toMatchObject({ leader: -1, leaderEpoch: 5, isr: [2] });
    expect(r.offlinePartitions).toEqual([{ topic: 'u', partition: 0 }]);
    // Nothing changes on the next pass (no write, no epoch bump).
    const again = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(again.metadata.topics[0].partitions[0]).toMatchObject({ leader: -1, leaderEpoch: 5, isr: [2], partitionEpoch: r.metadata.topics[0].partitions[0].partitionEpoch });
    // The topic override allows an unclean election: broker 1 leads alone, RECOVERING.
    await changeEntityConfig(s, 'topics', 'u', { 'unclean.leader.election.enable': 'true' });
    const logged: string[] = [];
    const log = { error: (_f: unknown, m: string) => logged.push(m), warn: () => undefined, info: () => undefined } as never;
    const u = await reconcile(s, ctl, { deleteTopicEnable: true, log });
    expect(u.metadata.topics[0].partitions[0]).toMatchObject({ leader: 1, leaderEpoch: 6, isr: [1], leaderRecoveryState: 1 });
    expect(u.offlinePartitions).toEqual([]);
    expect(logged.join()).toMatch(/UNCLEAN LEADER ELECTION: partition u-0/);
    expect(await json(s, '/brokers/topics/u/partitions/0/state')).toEqual({ version: 1, leader: 1, leader_epoch: 6, isr: [1], controller_epoch: ctl.epoch, leader_recovery_state: 1 });
  });

  it('removes a gone follower from the ISR under a new leader epoch, and moves leadership off a broker in controlled shutdown', async () => {
    const { s, ctl } = await cluster();
    await registerBroker(s, { id: 2, rack: null, jmxPort: -1, timestamp: 1, features: {}, endpoints: [{ listenerName: 'PLAINTEXT', host: 'h', port: 9093, securityProtocol: 'PLAINTEXT' }] });
    await createTopicWithAssignment(s, { topic: 'f', assignment: new Map([[0, [1, 2, 3]]]) });
    const first = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(first.metadata.topics[0].partitions[0]).toMatchObject({ leader: 1, isr: [1, 2] });
    await s.setData('/brokers/topics/f/partitions/0/state', Buffer.from(JSON.stringify({ version: 1, leader: 1, leader_epoch: 0, isr: [1, 2, 3], controller_epoch: 1 })));
    const shrunk = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(shrunk.metadata.topics[0].partitions[0]).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 2] });
    const moved = await reconcile(s, ctl, { deleteTopicEnable: true, shuttingDown: new Set([1]) });
    expect(moved.metadata.topics[0].partitions[0]).toMatchObject({ leader: 2, leaderEpoch: 2, isr: [2] });
  });

  it('is fenced once another controller bumped the epoch', async () => {
    const { s, ctl } = await cluster();
    await createTopicWithAssignment(s, { topic: 'fenced', assignment: new Map([[0, [1]]]) });
    await s.setData('/controller_epoch', Buffer.from(String(ctl.epoch + 1)));
    await expect(reconcile(s, ctl, { deleteTopicEnable: true })).rejects.toBeInstanceOf(ControllerMovedError);
    expect(await s.exists('/brokers/topics/fenced/partitions/0/state')).toBeNull();
  });

  it('deletes a topic marked for deletion, or only drops the mark when deletion is disabled', async () => {
    const { s, ctl } = await cluster();
    await createTopicWithAssignment(s, { topic: 'gone', assignment: new Map([[0, [1]]]) });
    await createTopicWithAssignment(s, { topic: 'kept', assignment: new Map([[0, [1]]]) });
    await reconcile(s, ctl, { deleteTopicEnable: true });
    await markTopicForDeletion(s, 'kept');
    const disabled = await reconcile(s, ctl, { deleteTopicEnable: false });
    expect(disabled.deletedTopics).toEqual([]);
    expect(await s.exists('/brokers/topics/kept')).not.toBeNull();
    await markTopicForDeletion(s, 'gone');
    const r = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(r.deletedTopics).toEqual(['gone']);
    expect(r.metadata.topics.map((t) => t.name)).toEqual(['kept']);
    for (const p of ['/brokers/topics/gone', '/config/topics/gone', '/admin/delete_topics/gone', '/admin/delete_topics/kept']) expect(await s.exists(p), p).toBeNull();
  });

  it('defers deleting a topic with a replica on a broker that is down (left out of the metadata meanwhile), as Kafka\'s TopicDeletionManager', async () => {
    const { s, ctl } = await cluster();
    await createTopicWithAssignment(s, { topic: 'spread', assignment: new Map([[0, [1, 2]], [1, [1]]]) });
    await reconcile(s, ctl, { deleteTopicEnable: true });
    await markTopicForDeletion(s, 'spread');
    const waiting = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(waiting).toMatchObject({ deletedTopics: [], deletions: [], deletionsPending: ['spread'] });
    expect(waiting.metadata.topics).toEqual([]);
    for (const p of ['/brokers/topics/spread', '/admin/delete_topics/spread']) expect(await s.exists(p), p).not.toBeNull();
    await registerBroker(s, { id: 2, rack: null, jmxPort: -1, timestamp: 1, features: {}, endpoints: [{ listenerName: 'PLAINTEXT', host: 'h', port: 9093, securityProtocol: 'PLAINTEXT' }] });
    const done = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(done).toMatchObject({ deletedTopics: ['spread'], deletionsPending: [], deletions: [{ topic: 'spread', partitions: [{ partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [1] }] }] });
    for (const p of ['/brokers/topics/spread', '/admin/delete_topics/spread']) expect(await s.exists(p), p).toBeNull();
  });

  it('watches each topic znode so that partitions added to an existing topic are noticed (PartitionModificationsHandler)', async () => {
    const { s, ctl } = await cluster();
    const topicId = await createTopicWithAssignment(s, { topic: 'grows', assignment: new Map([[0, [1]]]) });
    let fired = 0;
    const onTopicChange = () => { fired++; };
    expect((await reconcile(s, ctl, { deleteTopicEnable: true, onTopicChange })).metadata.topics[0]!.partitions).toHaveLength(1);
    await s.setData('/brokers/topics/grows', TopicZNode.encode({ partitions: new Map([[0, [1]], [1, [1]]]), topicId }));
    for (let i = 0; i < 100 && fired === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fired).toBe(1);
    const r = await reconcile(s, ctl, { deleteTopicEnable: true, onTopicChange });
    expect(r.metadata.topics[0]!.partitions.map((p) => [p.partition, p.leader])).toEqual([[0, 1], [1, 1]]);
    expect(r.brokerEpochs.get(1)).toBeTypeOf('bigint');
  });

  it('refuses bad, existing and colliding topic names with Kafka\'s messages', async () => {
    const { s } = await cluster();
    await createTopicWithAssignment(s, { topic: 'a.b', assignment: new Map([[0, [1]]]) });
    await expect(createTopicWithAssignment(s, { topic: 'a.b', assignment: new Map([[0, [1]]]) })).rejects.toThrow(new TopicExistsError("Topic 'a.b' already exists."));
    await expect(createTopicWithAssignment(s, { topic: 'a_b', assignment: new Map([[0, [1]]]) })).rejects.toThrow("Topic 'a_b' collides with existing topic: a.b");
    await expect(createTopicWithAssignment(s, { topic: 'bad name', assignment: new Map([[0, [1]]]) })).rejects.toBeInstanceOf(InvalidTopicError);
  });

  it('a broker re-registered under a new epoch (bounced) loses its leaderships and ISR seats for one pass (Kafka onBrokerFailure + onBrokerStartup)', async () => {
    const { s, ctl } = await cluster();
    await registerBroker(s, { id: 2, rack: null, jmxPort: -1, timestamp: 1, features: {}, endpoints: [{ listenerName: 'PLAINTEXT', host: 'h', port: 9093, securityProtocol: 'PLAINTEXT' }] });
    await createTopicWithAssignment(s, { topic: 'b', assignment: new Map([[0, [2, 1]]]) });
    const first = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(first.metadata.topics[0]!.partitions[0]).toMatchObject({ leader: 2, isr: [2, 1] });
    // same epochs: nothing changes
    const same = await reconcile(s, ctl, { deleteTopicEnable: true, previousBrokerEpochs: first.brokerEpochs });
    expect(same.bounced).toEqual([]);
    expect(same.metadata.topics[0]!.partitions[0]).toMatchObject({ leader: 2, isr: [2, 1], leaderEpoch: 0 });
    // broker 2 "restarted": the previous pass saw another epoch
    const prev = new Map(first.brokerEpochs); prev.set(2, prev.get(2)! - 1n);
    const bounced = await reconcile(s, ctl, { deleteTopicEnable: true, previousBrokerEpochs: prev });
    expect(bounced.bounced).toEqual([2]);
    expect(bounced.metadata.topics[0]!.partitions[0]).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 1, offlineReplicas: [2] });
    expect(bounced.metadata.brokers.map((b) => b.id)).toEqual([1, 2]);
    // next pass: live again (it rejoins the ISR through its leader's AlterPartition, not here)
    const after = await reconcile(s, ctl, { deleteTopicEnable: true, previousBrokerEpochs: bounced.brokerEpochs });
    expect(after.metadata.topics[0]!.partitions[0]).toMatchObject({ leader: 1, isr: [1], offlineReplicas: [] });
  });
  it('defers deleting a topic with a replica on a failed log dir until its broker is back under a new epoch (Kafka\'s onReplicasBecomeOffline → failReplicaDeletion)', async () => {
    const { s, ctl } = await cluster();
    await registerBroker(s, { id: 2, rack: null, jmxPort: -1, timestamp: 1, features: {}, endpoints: [{ listenerName: 'PLAINTEXT', host: 'h', port: 9094, securityProtocol: 'PLAINTEXT' }] });
    await createTopicWithAssignment(s, { topic: 'dirgone', assignment: new Map([[0, [1, 2]], [1, [2, 1]]]) });
    await createTopicWithAssignment(s, { topic: 'other', assignment: new Map([[0, [1, 2]]]) });
    const first = await reconcile(s, ctl, { deleteTopicEnable: true });
    const epoch2 = first.brokerEpochs.get(2)!;
    await markTopicForDeletion(s, 'dirgone');
    await markTopicForDeletion(s, 'other');
    // broker 2's replica of dirgone-1 is on a failed dir: it could not delete its log, so the topic waits
    const offline = new Map([[2, { epoch: epoch2, partitions: new Set(['dirgone-1']) }]]);
    const waiting = await reconcile(s, ctl, { deleteTopicEnable: true, replicasOnOfflineDirs: offline });
    expect(waiting).toMatchObject({ deletedTopics: ['other'], deletionsPending: ['dirgone'] });
    expect(waiting.metadata.topics.map((t) => t.name)).toEqual([]);
    for (const p of ['/brokers/topics/dirgone', '/admin/delete_topics/dirgone']) expect(await s.exists(p), p).not.toBeNull();
    // broker 2 restarted (another epoch): its dirs are back and the deletion goes on
    const done = await reconcile(s, ctl, { deleteTopicEnable: true, replicasOnOfflineDirs: new Map([[2, { epoch: epoch2 - 1n, partitions: new Set(['dirgone-1']) }]]) });
    expect(done).toMatchObject({ deletedTopics: ['dirgone'], deletionsPending: [] });
    for (const p of ['/brokers/topics/dirgone', '/admin/delete_topics/dirgone']) expect(await s.exists(p), p).toBeNull();
  });

  it('replicas a broker answered KAFKA_STORAGE_ERROR for (replicasOnOfflineDirs) lose leadership and ISR seats; another broker epoch has its dirs back', async () => {
    const { s, ctl } = await cluster();
    for (const id of [2, 3]) await registerBroker(s, { id, rack: null, jmxPort: -1, timestamp: 1, features: {}, endpoints: [{ listenerName: 'PLAINTEXT', host: 'h', port: 9092 + id, securityProtocol: 'PLAINTEXT' }] });
    await createTopicWithAssignment(s, { topic: 'd', assignment: new Map([[0, [2, 1, 3]], [1, [1, 2, 3]], [2, [3, 1, 2]]]) });
    const first = await reconcile(s, ctl, { deleteTopicEnable: true });
    expect(first.metadata.topics[0]!.partitions.map((p) => p.leader)).toEqual([2, 1, 3]);
    const epoch2 = first.brokerEpochs.get(2)!;
    // broker 2's dir holding d-0 (which it leads) and d-1 (which it follows) failed; d-2 is in another dir
    const offline = new Map([[2, { epoch: epoch2, partitions: new Set(['d-0', 'd-1']) }]]);
    const r = await reconcile(s, ctl, { deleteTopicEnable: true, replicasOnOfflineDirs: offline });
    const [p0, p1, p2] = r.metadata.topics[0]!.partitions;
    expect(p0).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 3], offlineReplicas: [2] });
    expect(p1).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 3], offlineReplicas: [2] });
    expect(p2).toMatchObject({ leader: 3, leaderEpoch: 0, isr: [3, 1, 2], offlineReplicas: [] });
    expect(await json(s, '/brokers/topics/d/partitions/0/state')).toMatchObject({ leader: 1, leader_epoch: 1, isr: [1, 3] });
    // level-triggered: the next pass with the same knowledge writes nothing
    const again = await reconcile(s, ctl, { deleteTopicEnable: true, replicasOnOfflineDirs: offline });
    expect(again.metadata.topics[0]!.partitions[0]).toMatchObject({ leaderEpoch: 1, partitionEpoch: p0!.partitionEpoch });
    // an entry of another registration of broker 2 (it restarted) is not used: its replica is online again
    const stale = new Map([[2, { epoch: epoch2 - 1n, partitions: new Set(['d-0', 'd-1']) }]]);
    const back = await reconcile(s, ctl, { deleteTopicEnable: true, replicasOnOfflineDirs: stale });
    expect(back.metadata.topics[0]!.partitions[0]).toMatchObject({ leader: 1, leaderEpoch: 1, offlineReplicas: [] });
    // a partition whose only ISR member's dir failed is left without a leader (OfflinePartition), the ISR kept
    await createTopicWithAssignment(s, { topic: 'solo', assignment: new Map([[0, [3]]]) });
    await reconcile(s, ctl, { deleteTopicEnable: true });
    const epoch3 = first.brokerEpochs.get(3)!;
    const solo = await reconcile(s, ctl, { deleteTopicEnable: true, replicasOnOfflineDirs: new Map([[3, { epoch: epoch3, partitions: new Set(['solo-0']) }]]) });
    expect(solo.metadata.topics.find((t) => t.name === 'solo')!.partitions[0]).toMatchObject({ leader: -1, isr: [3], offlineReplicas: [3] });
    expect(solo.offlinePartitions).toEqual([{ topic: 'solo', partition: 0 }]);
  });
  it('ElectLeaders does not elect a replica on a failed log dir (unclean from an admin included)', async () => {
    const { s, ctl } = await cluster();
    await registerBroker(s, { id: 2, rack: null, jmxPort: -1, timestamp: 1, features: {}, endpoints: [{ listenerName: 'PLAINTEXT', host: 'h', port: 9094, securityProtocol: 'PLAINTEXT' }] });
    await createTopicWithAssignment(s, { topic: 'e', assignment: new Map([[0, [2, 1]]]) });
    const first = await reconcile(s, ctl, { deleteTopicEnable: true });
    // leader 3 (gone) with ISR [3]: only an unclean election can help; broker 2's replica of e-0 is on a failed dir
    await s.setData('/brokers/topics/e/partitions/0/state', Buffer.from(JSON.stringify({ version: 1, leader: 3, leader_epoch: 4, isr: [3], controller_epoch: 1 })));
    const deps = { zk: s, ctl, metadata: first.metadata, online: new Set([1, 2]), offlineDirReplicas: (t: string, p: number) => (t === 'e' && p === 0 ? new Set([2]) : undefined) };
    const r = await electLeaders(deps, [{ topic: 'e', partition: 0 }], ElectionType.UNCLEAN, 'admin');
    expect(r.outcomes[0]).toMatchObject({ errorCode: 0, leader: 1 });
    // preferred (2) in the ISR but on the failed dir: not available
    await s.setData('/brokers/topics/e/partitions/0/state', Buffer.from(JSON.stringify({ version: 1, leader: 1, leader_epoch: 6, isr: [1, 2], controller_epoch: 1 })));
    const pref = await electLeaders(deps, [{ topic: 'e', partition: 0 }], ElectionType.PREFERRED, 'admin');
    expect(pref.outcomes[0]!.errorCode).toBe(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
  });
});
