/**
 * Kafka's AlterPartitionManager implementations (core/src/main/scala/kafka/server/AlterPartitionManager.scala and
 * ZkAlterPartitionManager.scala), behind the seam in alter-partition-types.ts:
 *
 * - {@link DefaultAlterPartitionManager} (inter.broker.protocol.version >= 2.7-IV2): ISR changes submitted in one turn
 *   go to the active controller in one AlterPartition request; one request in flight at a time, and at most one
 *   pending change per partition (a second submit for it answers OPERATION_NOT_ATTEMPTED at once, as Kafka's
 *   OperationNotAttemptedException). A top-level error (NOT_CONTROLLER, STALE_BROKER_EPOCH, …) or a lost connection
 *   re-sends after a short back-off; a partition missing from the answer stays queued and is re-sent. Version: 3 when
 *   every pending topic has an id and the IBP supports topic ids (>= 2.8-IV0), else 1 (as Kafka's
 *   AlterPartitionRequest.Builder against a 3.7 controller); LeaderRecoveryState is sent from IBP 3.2-IV0.
 * - {@link ZkAlterPartitionManager} (older IBP): the leader writes `/brokers/topics/<t>/partitions/<p>/state` itself,
 *   conditional on the partition epoch (the znode version), and later adds `/isr_change_notification/isr_change_N`
 *   listing the changed partitions (every `checkIntervalMs`, once no change came for `lingerMs` or the oldest waited
 *   `maxDelayMs`: Kafka's 2.5 s / 5 s / 60 s).
 *
 * Differs from Kafka: results are values ({ errorCode } or { errorCode: 0, state }) rather than failed futures; the
 * ZooKeeper variant keeps the znode's controller_epoch (read with the version check) instead of taking the leader's.
 */
import type { Logger } from '../../logger.js';
import { ApiKey } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { RequestInput, ResponseBody } from '../../protocol/frame.js';
import { metadataVersionOrdinal } from '../../config/metadata-version.js';
import { topicIdToUuid } from '../controller/control-requests.js';
import type { ZkSession } from '../zookeeper/zk-session.js';
import { CreateMode, isZkError, ZkCode } from '../zookeeper/zk-session.js';
import { retryUntilConnected } from '../zookeeper/kafka-zk-client.js';
import { IsrChangeNotificationZNode, ISR_CHANGE_PREFIX, TopicPartitionStateZNode, TopicPaths } from '../zookeeper/zk-data-topics.js';
import type { AlterPartitionItem, AlterPartitionManager, AlterPartitionResult, LeaderAndIsrState } from './alter-partition-types.js';
import { ChannelClosedError, NodeToControllerChannel, RequestEncodeError, type ControllerNodeProvider } from './node-to-controller-channel.js';

export class AlterPartitionManagerShutdown extends Error { override name = 'AlterPartitionManagerShutdown'; }

const atLeast = (ibp: string, v: string) => metadataVersionOrdinal(ibp) >= metadataVersionOrdinal(v);

/** MetadataVersion.isAlterPartitionSupported: which manager a ZooKeeper-mode broker uses. */
export const isAlterPartitionSupported = (ibp: string) => atLeast(ibp, '2.7-IV2');

/** The AlterPartition version a Kafka 3.7 broker ends up sending to a Kafka 3.7 controller. */
export function alterPartitionVersion(ibp: string, allTopicIds: boolean): number {
  return allTopicIds && atLeast(ibp, '2.8-IV0') ? 3 : 1;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

interface Unsent { item: AlterPartitionItem; resolve: (r: AlterPartitionResult) => void; reject: (e: Error) => void }

/** Sends AlterPartition to the controller; what the controller answers for it is the only thing that happens. */
export type AlterPartitionSender = (version: number, body: RequestInput<typeof ApiKey.AlterPartition>) => Promise<ResponseBody<typeof ApiKey.AlterPartition>>;

export interface DefaultAlterPartitionManagerOptions {
  brokerId: number;
  /** This broker's current epoch (czxid of /brokers/ids/<id>). */
  brokerEpoch: () => bigint;
  /** inter.broker.protocol.version (read per request, as Kafka's metadataVersionSupplier). */
  interBrokerProtocolVersion: () => string;
  /** How requests reach the controller (a NodeToControllerChannel's send, or a fake in tests). */
  send: AlterPartitionSender;
  log: Logger;
  /** Back-off before re-sending after a top-level error or a lost request (Kafka: 50 ms). */
  retryBackoffMs?: number;
}

export class DefaultAlterPartitionManager implements AlterPartitionManager {
  /** Kafka's unsentIsrUpdates: keyed by topic name + partition, whatever the topic id. */
  private readonly unsent = new Map<string, Unsent>();
  private inflight = false;
  private scheduled = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: DefaultAlterPartitionManagerOptions) {}

  submit(item: AlterPartitionItem): Promise<AlterPartitionResult> {
    if (this.closed) return Promise.reject(new AlterPartitionManagerShutdown('AlterPartitionManager is shut down'));
    const key = tpKey(item.topic, item.partition);
    if (this.unsent.has(key)) {
      this.opts.log.debug({ topic: item.topic, partition: item.partition }, 'Failed to enqueue ISR change: one is already pending for this partition');
      return Promise.resolve({ errorCode: ErrorCode.OPERATION_NOT_ATTEMPTED });
    }
    return new Promise<AlterPartitionResult>((resolve, reject) => {
      this.unsent.set(key, { item, resolve, reject });
      this.schedule();
    });
  }

  /** Items pending (sent or not): for tests and metrics. */
  get pendingCount(): number { return this.unsent.size; }

  /** Rejects every pending submit (the broker is shutting down). */
  shutdown(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const u of this.unsent.values()) u.reject(new AlterPartitionManagerShutdown('AlterPartitionManager shut down'));
    this.unsent.clear();
  }

  /** Items submitted in the same turn share one request. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.maybePropagate(); });
  }

  private maybePropagate(): void {
    if (this.closed || this.inflight || this.unsent.size === 0) return;
    this.inflight = true;
    const items = [...this.unsent.values()];
    void this.sendRequest(items).then((retry) => {
      this.inflight = false;
      if (this.closed) return;
      if (retry) {
        this.retryTimer = setTimeout(() => { this.retryTimer = null; this.maybePropagate(); }, this.opts.retryBackoffMs ?? 50);
      } else {
        this.maybePropagate();
      }
    });
  }

  /** One request for `items`; true when it must be re-sent after a back-off. */
  private async sendRequest(items: Unsent[]): Promise<boolean> {
    const ibp = this.opts.interBrokerProtocolVersion();
    const brokerEpoch = this.opts.brokerEpoch();
    const byTopic = new Map<string, Unsent[]>();
    for (const u of items) { let l = byTopic.get(u.item.topic); if (!l) byTopic.set(u.item.topic, (l = [])); l.push(u); }
    const allIds = [...byTopic.values()].every((us) => us[0]!.item.topicId !== null && us[0]!.item.topicId !== '');
    const version = alterPartitionVersion(ibp, allIds);
    const leaderRecovery = atLeast(ibp, '3.2-IV0');
    const namesById = new Map<string, string>();
    const body: RequestInput<typeof ApiKey.AlterPartition> = {
      brokerId: this.opts.brokerId,
      brokerEpoch,
      topics: [...byTopic].map(([topic, us]) => {
        const topicId = topicIdToUuid(us[0]!.item.topicId);
        namesById.set(topicId, topic);
        return {
          topicName: topic, topicId,
          partitions: us.map(({ item }) => ({
            partitionIndex: item.partition, leaderEpoch: item.proposed.leaderEpoch,
            ...(version >= 3 ? { newIsrWithEpochs: item.proposed.isr.map((brokerId) => ({ brokerId, brokerEpoch: -1n })) } : { newIsr: item.proposed.isr }),
            leaderRecoveryState: leaderRecovery ? item.proposed.leaderRecoveryState : 0,
            partitionEpoch: item.proposed.partitionEpoch,
          })),
        };
      }),
    };
    let response: ResponseBody<typeof ApiKey.AlterPartition>;
    try {
      response = await this.opts.send(version, body);
    } catch (e) {
      if (e instanceof ChannelClosedError || this.closed) return false;
      if (e instanceof RequestEncodeError) {
        this.opts.log.error({ err: e.message }, 'AlterPartition request cannot be encoded; failing its partitions');
        for (const u of items) { this.unsent.delete(tpKey(u.item.topic, u.item.partition)); u.resolve({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR }); }
        return false;
      }
      this.opts.log.warn({ err: (e as Error).message }, 'Sending AlterPartition to the controller failed; retrying');
      return true;
    }
    if (response.errorCode !== ErrorCode.NONE) {
      if (response.errorCode === ErrorCode.STALE_BROKER_EPOCH) this.opts.log.warn({ brokerEpoch: String(brokerEpoch) }, `Broker had a stale broker epoch (${brokerEpoch}), retrying.`);
      else this.opts.log.warn({ errorCode: response.errorCode }, `Controller returned an unexpected top-level error when handling AlterPartition request: ${response.errorCode}`);
      return true;
    }
    const results = new Map<string, AlterPartitionResult>();
    for (const t of response.topics) {
      const topic = version > 1 ? namesById.get(t.topicId) : t.topicName;
      if (!topic) { this.opts.log.error({ topicId: t.topicId }, 'Received an unexpected topic in the AlterPartition response, ignoring it.'); continue; }
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE) { results.set(tpKey(topic, p.partitionIndex), { errorCode: p.errorCode }); continue; }
        if (p.leaderRecoveryState !== 0 && p.leaderRecoveryState !== 1) {
          this.opts.log.error({ topic, partition: p.partitionIndex, leaderRecoveryState: p.leaderRecoveryState }, 'Controller returned an invalid leader recovery state');
          results.set(tpKey(topic, p.partitionIndex), { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR });
          continue;
        }
        const state: LeaderAndIsrState = { leader: p.leaderId, leaderEpoch: p.leaderEpoch, isr: [...p.isr], partitionEpoch: p.partitionEpoch, leaderRecoveryState: p.leaderRecoveryState };
        results.set(tpKey(topic, p.partitionIndex), { errorCode: 0, state });
      }
    }
    // Walk what was sent (not what came back) so that every caller hears, and a partition left out is re-sent.
    for (const u of items) {
      const key = tpKey(u.item.topic, u.item.partition);
      const r = results.get(key);
      if (!r) { this.opts.log.warn({ topic: u.item.topic, partition: u.item.partition }, 'Partition was sent but not included in the AlterPartition response'); continue; }
      if (this.unsent.get(key) === u) this.unsent.delete(key);
      u.resolve(r);
    }
    return false;
  }
}

/** Kafka's IsrChangePropagationConfig. */
export interface IsrChangePropagationConfig { checkIntervalMs: number; lingerMs: number; maxDelayMs: number }
export const DEFAULT_ISR_PROPAGATION: IsrChangePropagationConfig = { checkIntervalMs: 2500, lingerMs: 5000, maxDelayMs: 60000 };

export class ZkAlterPartitionManager implements AlterPartitionManager {
  /** Partitions whose ISR changed and that no notification named yet (Kafka's isrChangeSet). */
  private readonly changed = new Map<string, { topic: string; partition: number }>();
  private lastChangeMs = Date.now();
  private lastPropagationMs = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private propagating = false;

  constructor(private readonly zk: () => ZkSession, private readonly log: Logger, private readonly propagation: IsrChangePropagationConfig = DEFAULT_ISR_PROPAGATION) {}

  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.maybePropagateIsrChanges(), this.propagation.checkIntervalMs);
    this.timer.unref();
  }

  shutdown(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async submit(item: AlterPartitionItem): Promise<AlterPartitionResult> {
    if (this.closed) throw new AlterPartitionManagerShutdown('AlterPartitionManager is shut down');
    const path = TopicPaths.partitionState(item.topic, item.partition);
    const p = item.proposed;
    this.log.debug({ topic: item.topic, partition: item.partition, isr: p.isr, version: p.partitionEpoch }, `Writing new ISR ${JSON.stringify(p.isr)} to ZooKeeper with version ${p.partitionEpoch}`);
    const zk = this.zk();
    try {
      const current = await retryUntilConnected(zk, () => zk.getData(path));
      if (current.stat.version !== p.partitionEpoch) return { errorCode: ErrorCode.INVALID_UPDATE_VERSION };
      const controllerEpoch = TopicPartitionStateZNode.decode(path, current.data).controllerEpoch;
      const data = TopicPartitionStateZNode.encode({ leader: p.leader, leaderEpoch: p.leaderEpoch, isr: p.isr, controllerEpoch, leaderRecoveryState: p.leaderRecoveryState });
      const stat = await retryUntilConnected(zk, () => zk.setData(path, data, p.partitionEpoch));
      this.changed.set(tpKey(item.topic, item.partition), { topic: item.topic, partition: item.partition });
      this.lastChangeMs = Date.now();
      return { errorCode: 0, state: { ...p, isr: [...p.isr], partitionEpoch: stat.version } };
    } catch (e) {
      // Kafka's conditionalUpdatePath answers (false, -1) for a bad version and for any other failure alike.
      if (!isZkError(e, ZkCode.BAD_VERSION) && !isZkError(e, ZkCode.NO_NODE)) this.log.warn({ path, err: (e as Error).message }, 'Conditional update of the partition state failed');
      return { errorCode: ErrorCode.INVALID_UPDATE_VERSION };
    }
  }

  /** Writes one /isr_change_notification/isr_change_N for the changes so far when Kafka's timing rules say so; `force` skips them. */
  async maybePropagateIsrChanges(force = false): Promise<boolean> {
    if (this.propagating || this.changed.size === 0) return false;
    const now = Date.now();
    if (!force && !(this.lastChangeMs + this.propagation.lingerMs < now || this.lastPropagationMs + this.propagation.maxDelayMs < now)) return false;
    this.propagating = true;
    const partitions = [...this.changed.values()];
    this.changed.clear();
    try {
      const zk = this.zk();
      await retryUntilConnected(zk, () => zk.create(`${IsrChangeNotificationZNode.path}/${ISR_CHANGE_PREFIX}`, IsrChangeNotificationZNode.encode(partitions), CreateMode.PERSISTENT_SEQUENTIAL));
      this.lastPropagationMs = now;
      return true;
    } catch (e) {
      for (const p of partitions) this.changed.set(tpKey(p.topic, p.partition), p);
      this.log.warn({ err: (e as Error).message }, 'Writing the ISR change notification failed; retrying at the next check');
      return false;
    } finally {
      this.propagating = false;
    }
  }
}

export interface AlterPartitionManagerFactoryInput {
  brokerId: number;
  interBrokerProtocolVersion: () => string;
  brokerEpoch: () => bigint;
  /** The active controller on control.plane.listener.name / inter.broker.listener.name (metadataControllerNodeProvider). */
  controller: ControllerNodeProvider;
  zk: () => ZkSession;
  /** request.timeout.ms for one attempt. */
  requestTimeoutMs: number;
  log: Logger;
}

/** Kafka's choice in KafkaServer.startup: AlterPartition to the controller from IBP 2.7-IV2, else the ZooKeeper writer. */
export function createAlterPartitionManager(input: AlterPartitionManagerFactoryInput): { manager: AlterPartitionManager; start(): void; shutdown(): void } {
  if (isAlterPartitionSupported(input.interBrokerProtocolVersion())) {
    const channel = new NodeToControllerChannel({
      channelName: 'alter-partition', brokerId: input.brokerId, controller: input.controller,
      requestTimeoutMs: input.requestTimeoutMs, retryBackoffMs: 50, log: input.log,
    });
    const manager = new DefaultAlterPartitionManager({
      brokerId: input.brokerId, brokerEpoch: input.brokerEpoch, interBrokerProtocolVersion: input.interBrokerProtocolVersion,
      send: (version, body) => channel.send(ApiKey.AlterPartition, version, body), log: input.log,
    });
    return { manager, start: () => undefined, shutdown: () => { manager.shutdown(); channel.close(); } };
  }
  const manager = new ZkAlterPartitionManager(input.zk, input.log);
  return { manager, start: () => manager.start(), shutdown: () => manager.shutdown() };
}
