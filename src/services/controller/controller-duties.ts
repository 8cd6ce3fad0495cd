/**
 * What the active controller does while it is active (Kafka's KafkaController event loop): watch brokers, topics,
 * deletions, ISR change notifications and config changes; reconcile after each change; handle AlterPartition and
 * ControlledShutdown; and tell the brokers the outcome — the other live brokers over the ControllerChannelManager,
 * its own broker in-process (both get the same requests). Everything runs one task at a time (Kafka's single
 * controller event thread), so an AlterPartition never races an election.
 */
import type { Logger } from '../../logger.js';
import type { ZkHandle } from '../zookeeper/zk-handle.js';
import { retryUntilConnected } from '../zookeeper/kafka-zk-client.js';
import { IsrChangeNotificationZNode } from '../zookeeper/zk-data-topics.js';
import { isZkError, ZkCode } from '../zookeeper/zk-session.js';
import { metadataVersionOrdinal } from '../../config/metadata-version.js';
import { ErrorCode } from '../../protocol/errors.js';
import { reconcile, watchControllerPaths, ControllerMovedError, type ReconcileResult } from './controller-reconcile.js';
import { buildRequestBatch, newBrokerIds, type ControllerView } from './controller-request-batch.js';
import { ControllerChannelManager, type ControlResponse } from './controller-channel-manager.js';
import { NO_EPOCH, UNKNOWN_BROKER_EPOCH, type BrokerRequests } from './control-requests.js';
import { processAlterPartition } from './alter-partition-handling.js';
import { writeLeaderAndIsr } from './partition-state-writes.js';
import type { ControllerApis, ControlledShutdownResult } from './controller-apis.js';
import type { ClusterMetadata } from './cluster-metadata.js';
import type { AlterPartitionRequest, AlterPartitionResponseInput } from '../../protocol/messages/alter-partition.js';
import { listReassignments, processLegacyReassignZNode, removeFromLegacyZNode, startReassignments, type OngoingReassignment, type ReassignmentRequest, type ReassignmentResult } from './partition-reassignment.js';
import { getAllTopics } from '../zookeeper/kafka-zk-client.js';
import { autoRebalanceCandidates, decodePreferredReplicaElection, electLeaders, ElectionType, PREFERRED_REPLICA_ELECTION_PATH,
  type ElectionOutcome, type ElectionTrigger, type ElectionTypeValue, type TopicPartitionRef } from './replica-election.js';

export interface ChannelConfig {
  /** control.plane.listener.name, else inter.broker.listener.name. */
  listenerName: string;
  interBrokerProtocolVersion: string;
  socketTimeoutMs: number;
  /** request.timeout.ms */
  requestTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  onResponse?: (r: ControlResponse) => void;
}

export interface ControllerDutiesInput {
  handle: ZkHandle;
  brokerId: number;
  epoch: number;
  epochZkVersion: number;
  deleteTopicEnable: boolean;
  channel: ChannelConfig;
  log: Logger;
  /** Where this broker's request handlers reach the controller (AlterPartition, ControlledShutdown). */
  apis?: ControllerApis;
  /** The broker's unclean.leader.election.enable, dynamic updates included (a topic override wins). */
  uncleanLeaderElectionEnable?: () => boolean;
  /** auto.leader.rebalance.enable, leader.imbalance.check.interval.seconds (as ms), leader.imbalance.per.broker.percentage. */
  autoLeaderRebalance?: () => { enable: boolean; checkIntervalMs: number; imbalancePercentage: number };
}

export interface ControllerDutiesEvents {
  /** After each reconciliation: the requests for the controller's own broker (null: nothing for it). */
  onReconciled(result: ReconcileResult, local: BrokerRequests | null): void;
  /** Requests for the controller's own broker decided outside a reconciliation (after AlterPartition, controlled shutdown). */
  onLocalRequests?(local: BrokerRequests): void;
  /** Another broker is controller now (a fenced write). */
  onMoved(error: string): void;
}

/** Starts the duties; the returned function stops them (and closes every channel). */
export function startControllerDuties(input: ControllerDutiesInput, events: ControllerDutiesEvents): () => void {
  const channels = new ControllerChannelManager({
    controllerId: input.brokerId, listenerName: input.channel.listenerName, interBrokerProtocolVersion: input.channel.interBrokerProtocolVersion,
    socketTimeoutMs: input.channel.socketTimeoutMs, requestTimeoutMs: input.channel.requestTimeoutMs, backoff: input.channel.backoff, onResponse: input.channel.onResponse,
    log: input.log.child({ component: 'controllerChannelManager' }),
  });
  const ctl = { brokerId: input.brokerId, epoch: input.epoch, epochZkVersion: input.epochZkVersion };
  const leaderRecoverySupported = metadataVersionOrdinal(input.channel.interBrokerProtocolVersion) >= metadataVersionOrdinal('3.2-IV0');
  let stopped = false;
  let sent: ControllerView | null = null;
  /** Brokers in controlled shutdown, with the broker epoch that asked (a restart ends it). */
  const shuttingDown = new Map<number, bigint>();
  let lastOffline = 0;

  // ---- one task at a time ------------------------------------------------------------------------------------
  const queue: Array<{ name: string; run: () => Promise<void>; queuedAt: number }> = [];
  let draining = false;
  const enqueue = (name: string, run: () => Promise<void>) => { queue.push({ name, run, queuedAt: Date.now() }); void drain(); };
  const drain = async () => {
    if (draining) return;
    draining = true;
    try {
      while (queue.length > 0 && !stopped) {
        const task = queue.shift()!;
        const started = Date.now();
        try { await task.run(); } catch (e) { moved(e) || input.log.error({ err: (e as Error).message, task: task.name }, 'Controller task failed'); }
        // Kafka's controller event queue time / rate metrics, as a log line when a task held the queue for long.
        const ms = Date.now() - started;
        if (ms > 5000) input.log.warn({ task: task.name, ms, queuedMs: started - task.queuedAt, queued: queue.length }, `Controller task ${task.name} took ${ms} ms`);
      }
    } finally { draining = false; }
  };
  const moved = (e: unknown): boolean => {
    if (!(e instanceof ControllerMovedError)) return false;
    if (!stopped) events.onMoved(e.message);
    return true;
  };

  // ---- telling the brokers -----------------------------------------------------------------------------------
  const shuttingDownSet = () => new Set(shuttingDown.keys());
  const tellView = (view: ControllerView): BrokerRequests | null => {
    const batch = buildRequestBatch(sent, view, input.channel.listenerName);
    channels.updateBrokers(view.metadata.brokers.map((info) => ({ info, epoch: view.brokerEpochs.get(info.id) ?? -1n })));
    for (const [brokerId, requests] of batch) if (brokerId !== input.brokerId) channels.send(brokerId, requests);
    sent = view;
    return batch.get(input.brokerId) ?? null;
  };
  const tellBroker = (brokerId: number, requests: BrokerRequests) => {
    if (brokerId === input.brokerId) events.onLocalRequests?.(requests);
    else channels.send(brokerId, requests);
  };

  const tell = (result: ReconcileResult): BrokerRequests | null => {
    const view: ControllerView = { metadata: result.metadata, brokerEpochs: result.brokerEpochs, deletions: result.deletions };
    if (result.deletionsPending.length > 0) input.log.info({ topics: result.deletionsPending }, 'Topic deletion waits for replicas on brokers that are down');
    const started = newBrokerIds(sent, view);
    const gone = (sent?.metadata.brokers ?? []).filter((b) => !view.brokerEpochs.has(b.id)).map((b) => b.id);
    if (sent && (started.length > 0 || gone.length > 0)) {
      input.log.info({ newBrokers: started, deadBrokers: gone }, `Brokers changed: started ${JSON.stringify(started)}, failed ${JSON.stringify(gone)}`);
    }
    if (result.offlinePartitions.length !== lastOffline) {
      const n = result.offlinePartitions.length;
      (n > 0 ? input.log.warn.bind(input.log) : input.log.info.bind(input.log))({ offlinePartitionsCount: n, partitions: result.offlinePartitions.slice(0, 20).map((p) => `${p.topic}-${p.partition}`) },
        `OfflinePartitionsCount ${n}`);
      lastOffline = n;
    }
    return tellView(view);
  };

  // ---- reconciliation ----------------------------------------------------------------------------------------
  // One function for every topic's data watch (ZooKeeper keeps a single registration per path and function).
  let reconcileQueued = false;
  const requestReconcile = () => {
    if (stopped || reconcileQueued) return;
    reconcileQueued = true;
    enqueue('Reconcile', async () => { reconcileQueued = false; await doReconcile(); });
  };
  const onTopicChange = () => requestReconcile();
  const doReconcile = async (): Promise<void> => {
    if (stopped) return;
    try {
      const zk = input.handle.current;
      await watchControllerPaths(zk, requestReconcile);
      // ISR change notifications (IBP < 2.7-IV2 leaders wrote the state themselves): the pass re-reads every state;
      // the notifications are deleted once it has told the brokers (Kafka's processIsrChangeNotification).
      const notifications = await retryUntilConnected(zk, () => zk.getChildren(IsrChangeNotificationZNode.path));
      const result = await reconcile(zk, ctl, {
        deleteTopicEnable: input.deleteTopicEnable, onTopicChange, shuttingDown, log: input.log,
        uncleanLeaderElectionEnable: input.uncleanLeaderElectionEnable, leaderRecoverySupported,
      });
      if (stopped) return;
      forgetRestarted(result.brokerEpochs);
      reassigning = new Set(result.reassigning ?? []);
      events.onReconciled(result, tell(result));
      for (const n of notifications) {
        await zk.remove(`${IsrChangeNotificationZNode.path}/${n}`).catch((e) => { if (!isZkError(e, ZkCode.NO_NODE)) throw e; });
      }
      await checkPreferredReplicaElectionZNode();
      const legacy = await processLegacyReassignZNode(reassignDeps(result.metadata.brokers.map((b) => b.id), new Set(result.deletionsPending)), requestReconcile);
      if (legacy.started > 0) requestReconcile();
    } catch (e) {
      if (moved(e)) return;
      input.log.warn({ err: (e as Error).message }, 'Controller reconciliation failed; retrying');
      if (!stopped) setTimeout(requestReconcile, 1000).unref();
    }
  };
  /** A broker that restarted or is gone is no longer shutting down (Kafka: onBrokerStartup / onBrokerFailure). */
  const forgetRestarted = (epochs: ReadonlyMap<number, bigint>) => {
    for (const [id, epoch] of shuttingDown) if (epochs.get(id) !== epoch) shuttingDown.delete(id);
  };

  // ---- AlterPartition ----------------------------------------------------------------------------------------
  const alterPartition = (req: AlterPartitionRequest, version: number) => new Promise<AlterPartitionResponseInput>((resolve) => {
    enqueue('AlterPartitionReceived', async () => {
      if (stopped || !sent) { resolve({ throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] }); return; }
      try {
        const view = sent;
        const zk = input.handle.current;
        const outcome = await processAlterPartition(req, version, {
          metadata: view.metadata, brokerEpochs: view.brokerEpochs, shuttingDown: shuttingDownSet(), log: input.log,
          write: (topic, partition, state, expected) => writeLeaderAndIsr(zk, ctl, topic, partition, state, expected),
        });
        if (outcome.updated.length > 0) {
          const local = tellView({ ...view, deletions: [], metadata: withStates(view.metadata, outcome.updated, ctl.epoch) });
          if (local) events.onLocalRequests?.(local);
          // Kafka's processPartitionReassignmentIsrChange: a reassigning partition's ISR grew — it may complete now.
          if (outcome.updated.some((u) => reassigning.has(`${u.topic}-${u.partition}`))) requestReconcile();
        }
        resolve(outcome.response);
      } catch (e) {
        resolve({ throttleTimeMs: 0, errorCode: e instanceof ControllerMovedError ? ErrorCode.NOT_CONTROLLER : ErrorCode.UNKNOWN_SERVER_ERROR, topics: [] });
        if (!moved(e)) input.log.error({ err: (e as Error).message }, 'Error when processing AlterPartition');
      }
    });
  });

  // ---- ControlledShutdown ------------------------------------------------------------------------------------
  const controlledShutdown = (brokerId: number, brokerEpoch: bigint) => new Promise<ControlledShutdownResult>((resolve) => {
    enqueue('ControlledShutdown', async () => {
      try {
        await doControlledShutdown(brokerId, brokerEpoch, resolve);
      } catch (e) {
        // Never leave the broker waiting for its whole request timeout: answer, and let it retry.
        resolve({ errorCode: e instanceof ControllerMovedError ? ErrorCode.NOT_CONTROLLER : ErrorCode.UNKNOWN_SERVER_ERROR, remainingPartitions: [] });
        if (!moved(e)) input.log.error({ err: (e as Error).message, brokerId }, 'Error when processing ControlledShutdown');
      }
    });
  });
  const doControlledShutdown = async (brokerId: number, brokerEpoch: bigint, resolve: (r: ControlledShutdownResult) => void): Promise<void> => {
    {
      if (stopped || !sent) { resolve({ errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] }); return; }
      const cached = sent.brokerEpochs.get(brokerId);
      if (brokerEpoch !== UNKNOWN_BROKER_EPOCH && cached !== undefined && brokerEpoch < cached) {
        input.log.info({ brokerId }, `Received controlled shutdown request from an old broker epoch ${brokerEpoch} for broker ${brokerId}. Current broker epoch is ${cached}.`);
        resolve({ errorCode: ErrorCode.STALE_BROKER_EPOCH, remainingPartitions: [] });
        return;
      }
      if (cached === undefined) { resolve({ errorCode: ErrorCode.BROKER_NOT_AVAILABLE, remainingPartitions: [] }); return; }
      input.log.info({ brokerId }, `Shutting down broker ${brokerId}`);
      shuttingDown.set(brokerId, cached);
      await doReconcile();
      if (stopped || !sent) { resolve({ errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] }); return; }
      // The partitions it follows: StopReplica (no delete), as Kafka sends before taking it out of the ISRs.
      const followed = sent.metadata.topics.flatMap((t) => t.partitions
        .filter((p) => p.replicas.length > 1 && p.replicas.includes(brokerId) && p.leader !== brokerId)
        .map((p) => ({ topicName: t.name, partitionIndex: p.partition, leaderEpoch: NO_EPOCH, deletePartition: false })));
      if (followed.length > 0) {
        tellBroker(brokerId, { stopReplica: { controllerId: ctl.brokerId, controllerEpoch: ctl.epoch, brokerEpoch: cached, partitions: followed } });
      }
      const remainingPartitions = sent.metadata.topics.flatMap((t) => t.partitions
        .filter((p) => p.leader === brokerId && p.replicas.length > 1).map((p) => ({ topicName: t.name, partitionIndex: p.partition })));
      input.log.info({ brokerId, remaining: remainingPartitions.length }, `Controlled shutdown of broker ${brokerId}: ${remainingPartitions.length} partitions remaining to move`);
      resolve({ errorCode: ErrorCode.NONE, remainingPartitions });
    }
  };

  // ---- partition reassignments (AlterPartitionReassignments, ListPartitionReassignments, /admin/reassign_partitions)
  let reassigning = new Set<string>();
  const reassignDeps = (live: number[], deleting: ReadonlySet<string>) => ({ zk: input.handle.current, ctl, live: new Set(live), deleting, log: input.log });
  const alterReassignments = (requests: ReassignmentRequest[]) => new Promise<ReassignmentResult[] | null>((resolve) => {
    enqueue('ApiPartitionReassignment', async () => {
      if (stopped || !sent) { resolve(null); return; }
      try {
        const live = sent.metadata.brokers.map((b) => b.id);
        await removeFromLegacyZNode(input.handle.current, new Set(requests.map((r) => `${r.topic}-${r.partition}`)));
        const results = await startReassignments(reassignDeps(live, new Set()), requests);
        resolve(results);
        if (results.some((r) => r.errorCode === ErrorCode.NONE)) await doReconcile();
      } catch (e) {
        resolve(null);
        if (!moved(e)) input.log.error({ err: (e as Error).message }, 'Error when processing AlterPartitionReassignments');
      }
    });
  });
  const listReassignmentsApi = (partitions: TopicPartitionRef[] | null) => new Promise<OngoingReassignment[] | null>((resolve) => {
    enqueue('ListPartitionReassignments', async () => {
      if (stopped || !sent) { resolve(null); return; }
      try {
        const zk = input.handle.current;
        const topics = partitions ? [...new Set(partitions.map((p) => p.topic))] : await getAllTopics(zk);
        resolve(await listReassignments(zk, topics.sort(), partitions ? new Set(partitions.map((p) => `${p.topic}-${p.partition}`)) : null));
      } catch (e) {
        resolve(null);
        input.log.error({ err: (e as Error).message }, 'Error when processing ListPartitionReassignments');
      }
    });
  });

  // ---- replica leader elections (ElectLeaders, /admin/preferred_replica_election, auto leader rebalance) -------
  const runElection = async (partitions: TopicPartitionRef[] | null, type: ElectionTypeValue, trigger: ElectionTrigger): Promise<ElectionOutcome[] | null> => {
    if (stopped || !sent) return null;
    const view = sent;
    const online = new Set(view.metadata.brokers.map((b) => b.id).filter((id) => !shuttingDown.has(id)));
    const list = partitions ?? view.metadata.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
    const { outcomes, updated } = await electLeaders({ zk: input.handle.current, ctl, metadata: view.metadata, online, log: input.log }, list, type, trigger);
    if (updated.length > 0 && !stopped) {
      const local = tellView({ ...view, deletions: [], metadata: withStates(view.metadata, updated, ctl.epoch) });
      if (local) events.onLocalRequests?.(local);
    }
    return outcomes;
  };
  const electLeadersApi = (partitions: TopicPartitionRef[] | null, type: ElectionTypeValue) => new Promise<ElectionOutcome[] | null>((resolve) => {
    enqueue('ReplicaLeaderElection', async () => {
      try { resolve(await runElection(partitions, type, 'admin')); } catch (e) {
        resolve(null);
        if (!moved(e)) input.log.error({ err: (e as Error).message }, 'Error when processing ElectLeaders');
      }
    });
  });
  /** The legacy znode (Kafka's PreferredReplicaElectionHandler): elect what it lists, then delete it; watched for creation. */
  const checkPreferredReplicaElectionZNode = async (): Promise<void> => {
    const zk = input.handle.current;
    const stat = await retryUntilConnected(zk, () => zk.exists(PREFERRED_REPLICA_ELECTION_PATH, requestReconcile as never));
    if (!stat) return;
    const node = await zk.getDataOrNull(PREFERRED_REPLICA_ELECTION_PATH);
    let partitions: TopicPartitionRef[] = [];
    try { partitions = decodePreferredReplicaElection(node?.data); } catch (e) {
      input.log.warn({ err: (e as Error).message }, `Ignoring undecodable ${PREFERRED_REPLICA_ELECTION_PATH}`);
    }
    if (partitions.length > 0) {
      const outcomes = await runElection(partitions, ElectionType.PREFERRED, 'zk') ?? [];
      input.log.info({ elected: outcomes.filter((o) => o.errorCode === ErrorCode.NONE).length, partitions: partitions.length }, `Preferred replica election from ${PREFERRED_REPLICA_ELECTION_PATH} done`);
    }
    await zk.remove(PREFERRED_REPLICA_ELECTION_PATH).catch((e) => { if (!isZkError(e, ZkCode.NO_NODE)) throw e; });
  };
  /** Kafka's auto leader rebalance task (scheduleAutoLeaderRebalanceTask / processAutoPreferredReplicaLeaderElection). */
  let rebalanceTimer: NodeJS.Timeout | null = null;
  const scheduleAutoRebalance = () => {
    const cfg = input.autoLeaderRebalance?.();
    if (!cfg?.enable || stopped) return;
    rebalanceTimer = setTimeout(() => enqueue('AutoPreferredReplicaLeaderElection', async () => {
      try {
        if (stopped || !sent) return;
        const c = input.autoLeaderRebalance?.();
        if (!c?.enable) return;
        const online = new Set(sent.metadata.brokers.map((b) => b.id).filter((id) => !shuttingDown.has(id)));
        const candidates = autoRebalanceCandidates(sent.metadata, online, c.imbalancePercentage);
        if (candidates.length > 0) {
          input.log.info({ partitions: candidates.length }, `Auto leader rebalance: moving leadership of ${candidates.length} partitions back to their preferred replicas`);
          await runElection(candidates, ElectionType.PREFERRED, 'auto');
        }
      } finally { scheduleAutoRebalance(); }
    }), Math.max(100, cfg.checkIntervalMs));
    rebalanceTimer.unref();
  };

  const unplug = input.apis?.activate({ alterPartition, controlledShutdown, electLeaders: electLeadersApi, alterPartitionReassignments: alterReassignments, listPartitionReassignments: listReassignmentsApi });
  requestReconcile();
  scheduleAutoRebalance();
  return () => { stopped = true; if (rebalanceTimer) clearTimeout(rebalanceTimer); unplug?.(); channels.close(); };
}

/** The view with the given partitions' new states (written by this controller in `controllerEpoch`). */
function withStates(m: ClusterMetadata, updated: Array<{ topic: string; partition: number; state: { leader: number; leaderEpoch: number; isr: number[]; partitionEpoch: number; leaderRecoveryState: number } }>, controllerEpoch: number): ClusterMetadata {
  const byTopic = new Map<string, Map<number, (typeof updated)[number]['state']>>();
  for (const u of updated) { let t = byTopic.get(u.topic); if (!t) byTopic.set(u.topic, (t = new Map())); t.set(u.partition, u.state); }
  return {
    ...m,
    topics: m.topics.map((t) => {
      const ups = byTopic.get(t.name);
      if (!ups) return t;
      return { ...t, partitions: t.partitions.map((p) => {
        const s = ups.get(p.partition);
        return s ? { ...p, leader: s.leader, leaderEpoch: s.leaderEpoch, isr: [...s.isr], partitionEpoch: s.partitionEpoch, leaderRecoveryState: s.leaderRecoveryState, controllerEpoch } : p;
      }) };
    }),
  };
}
