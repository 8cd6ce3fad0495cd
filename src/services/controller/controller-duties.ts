/**
 * What the active controller does while it is active (Kafka's KafkaController event loop): watch brokers, topics,
 * deletions, ISR change notifications, log dir event notifications and config changes; reconcile after each change;
 * handle AlterPartition and ControlledShutdown; learn from LeaderAndIsr answers which replicas are on failed log dirs
 * (replicasOnOfflineDirs: they cannot lead and leave the ISRs); and tell the brokers the outcome — the other live brokers over the ControllerChannelManager,
 * its own broker in-process (both get the same requests). Everything runs one task at a time (Kafka's single
 * controller event thread), so an AlterPartition never races an election.
 */
import type { Logger } from '../../logger.js';
import type { ZkHandle } from '../zookeeper/zk-handle.js';
import { retryUntilConnected } from '../zookeeper/kafka-zk-client.js';
import { IsrChangeNotificationZNode, LogDirEventNotificationDecoder } from '../zookeeper/zk-data-topics.js';
import { LOG_DIR_EVENT_PREFIX, ZkPaths } from '../zookeeper/zk-data.js';
import { ApiKey } from '../../protocol/api-keys.js';
import { isZkError, ZkCode } from '../zookeeper/zk-session.js';
import { metadataVersionOrdinal } from '../../config/metadata-version.js';
import { ErrorCode } from '../../protocol/errors.js';
import { reconcile, watchControllerPaths, ControllerMovedError, type ReconcileResult } from './controller-reconcile.js';
import { buildRequestBatch, leaderAndIsrForAllReplicas, newBrokerIds, type ControllerView } from './controller-request-batch.js';
import { ControllerChannelManager, type ControlResponse } from './controller-channel-manager.js';
import { NO_EPOCH, UNKNOWN_BROKER_EPOCH, uuidToTopicId, type BrokerRequests } from './control-requests.js';
import { processAlterPartition } from './alter-partition-handling.js';
import { writeLeaderAndIsr } from './partition-state-writes.js';
import type { ControllerApis, ControlledShutdownResult, LeaderAndIsrAnswer } from './controller-apis.js';
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
    socketTimeoutMs: input.channel.socketTimeoutMs, requestTimeoutMs: input.channel.requestTimeoutMs, backoff: input.channel.backoff,
    onResponse: (r) => { input.channel.onResponse?.(r); if (r.apiKey === ApiKey.LeaderAndIsr) remoteLeaderAndIsrResponse(r); },
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
      // ISR change notifications (IBP < 2.7-IV2 leaders wrote the state themselves): the pass re-reads every state;
      // the notifications are deleted once it has told the brokers (Kafka's processIsrChangeNotification).
      // Read together with the watches (pipelined: one round trip).
      const [, notifications] = await Promise.all([
        watchControllerPaths(zk, requestReconcile), retryUntilConnected(zk, () => zk.getChildren(IsrChangeNotificationZNode.path))]);
      const result = await reconcile(zk, ctl, {
        deleteTopicEnable: input.deleteTopicEnable, onTopicChange, onBrokerChange: onTopicChange, shuttingDown, log: input.log, ...(sent ? { previousBrokerEpochs: sent.brokerEpochs } : {}),
        uncleanLeaderElectionEnable: input.uncleanLeaderElectionEnable, leaderRecoverySupported, replicasOnOfflineDirs,
      });
      if (stopped) return;
      forgetRestarted(result.brokerEpochs);
      reassigning = new Set(result.reassigning ?? []);
      if ((result.bounced?.length ?? 0) > 0) requestReconcile(); // onBrokerStartup: live again in the next pass
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
    // onBrokerStartup / onBrokerFailure: replicasOnOfflineDirs.remove(broker) — a restarted broker has its dirs back
    for (const [id, e] of replicasOnOfflineDirs) if (epochs.get(id) !== e.epoch) replicasOnOfflineDirs.delete(id);
  };

  // ---- log dir failures (processLogDirEventNotification, processLeaderAndIsrResponseReceived) ----------------
  /** Kafka's ControllerContext.replicasOnOfflineDirs: per broker (and the epoch that answered), its "topic-partition"s on failed dirs. */
  const replicasOnOfflineDirs = new Map<number, { epoch: bigint; partitions: Set<string> }>();
  /** The child watch on /log_dir_event_notification (one function: ZooKeeper keeps one registration per path and function). */
  const onLogDirEvent = () => { if (!stopped) enqueue('LogDirEventNotification', () => processLogDirEventNotification(false)); };
  /**
   * Kafka's processLogDirEventNotification: the brokers named by the notifications get a LeaderAndIsr for every
   * replica they hold (onBrokerLogDirFailure); those on a failed dir answer KAFKA_STORAGE_ERROR
   * ({@link leaderAndIsrResponseReceived}). The processed notifications are deleted. On becoming controller
   * (`failover`) they are only deleted, as Kafka's onControllerFailover does: the first pass sends every broker a
   * LeaderAndIsr for all its replicas anyway.
   */
  const processLogDirEventNotification = async (failover: boolean): Promise<void> => {
    if (stopped) return;
    const zk = input.handle.current;
    const children = (await retryUntilConnected(zk, () => zk.getChildren(ZkPaths.logDirEventNotification, onLogDirEvent as never)))
      .filter((c) => c.startsWith(LOG_DIR_EVENT_PREFIX)).sort();
    if (children.length === 0) return;
    try {
      if (failover) return;
      const brokerIds = new Set<number>();
      for (const c of children) {
        const path = `${ZkPaths.logDirEventNotification}/${c}`;
        const node = await zk.getDataOrNull(path);
        if (!node) continue;
        try { brokerIds.add(LogDirEventNotificationDecoder.decode(path, node.data).broker); } catch (e) {
          input.log.warn({ znode: path, err: (e as Error).message }, `Ignoring undecodable log dir event notification ${path}`);
        }
      }
      onBrokerLogDirFailure([...brokerIds].sort((a, b) => a - b));
    } finally {
      for (const c of children) {
        await zk.remove(`${ZkPaths.logDirEventNotification}/${c}`).catch((e) => { if (!isZkError(e, ZkCode.NO_NODE)) throw e; });
      }
    }
  };
  const onBrokerLogDirFailure = (brokerIds: number[]) => {
    if (brokerIds.length === 0) return;
    input.log.info({ brokerIds }, `Handling log directory failure for brokers ${brokerIds.join(',')}`);
    const view = sent;
    if (!view) return; // the first pass tells every broker about all its replicas
    for (const id of brokerIds) {
      if (!view.brokerEpochs.has(id)) continue; // gone: its replicas are offline anyway
      const lai = leaderAndIsrForAllReplicas(view, id, input.channel.listenerName);
      if (lai) tellBroker(id, { leaderAndIsr: lai });
    }
  };
  /**
   * Kafka's processLeaderAndIsrResponseReceived: the replicas a broker answered KAFKA_STORAGE_ERROR for are on an
   * offline dir; NONE brings one back. Newly offline replicas go OfflineReplica (onReplicasBecomeOffline): a pass
   * elects new leaders for the partitions they led and takes them out of the ISRs.
   */
  const leaderAndIsrResponseReceived = (brokerId: number, brokerEpoch: bigint | null, answer: LeaderAndIsrAnswer) => {
    enqueue('LeaderAndIsrResponseReceived', async () => {
      if (stopped || !sent) return;
      if (answer.errorCode !== ErrorCode.NONE) {
        input.log.error({ brokerId, errorCode: answer.errorCode }, `Received error ${answer.errorCode} in LeaderAndIsr response from broker ${brokerId}`);
        return;
      }
      const epoch = sent.brokerEpochs.get(brokerId);
      if (epoch === undefined || (brokerEpoch !== null && brokerEpoch !== epoch)) return; // an earlier registration's answer
      const previous = replicasOnOfflineDirs.get(brokerId);
      const current = new Set(previous?.epoch === epoch ? previous.partitions : []);
      const newOffline: string[] = [];
      for (const e of answer.partitionErrors) {
        const k = `${e.topicName}-${e.partitionIndex}`;
        if (e.errorCode === ErrorCode.KAFKA_STORAGE_ERROR) { if (!current.has(k)) newOffline.push(k); current.add(k); }
        else if (e.errorCode === ErrorCode.NONE) current.delete(k);
      }
      if (current.size === 0) replicasOnOfflineDirs.delete(brokerId);
      else replicasOnOfflineDirs.set(brokerId, { epoch, partitions: current });
      if (newOffline.length === 0) return;
      input.log.info({ brokerId, replicas: newOffline.slice(0, 50), count: newOffline.length }, `Mark replicas ${newOffline.slice(0, 50).join(',')} on broker ${brokerId} as offline`);
      await doReconcile();
    });
  };
  /** A remote broker's LeaderAndIsr answer: partitions by topic name before v5, by topic id from v5. */
  const remoteLeaderAndIsrResponse = (r: ControlResponse) => {
    const body = r.body as { errorCode: number; partitionErrors?: Array<{ topicName: string; partitionIndex: number; errorCode: number }>;
      topics?: Array<{ topicId: string; partitionErrors: Array<{ partitionIndex: number; errorCode: number }> }> };
    const names = new Map((sent?.metadata.topics ?? []).map((t) => [t.topicId, t.name]));
    const partitionErrors = r.version < 5 ? (body.partitionErrors ?? []) : (body.topics ?? []).flatMap((t) => {
      const name = names.get(uuidToTopicId(t.topicId));
      return name === undefined ? [] : t.partitionErrors.map((p) => ({ topicName: name, partitionIndex: p.partitionIndex, errorCode: p.errorCode }));
    });
    leaderAndIsrResponseReceived(r.brokerId, r.brokerEpoch, { errorCode: body.errorCode, partitionErrors });
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
    const offlineDirReplicas = (topic: string, partition: number) => {
      const k = `${topic}-${partition}`;
      const ids = [...replicasOnOfflineDirs].filter(([id, e]) => view.brokerEpochs.get(id) === e.epoch && e.partitions.has(k)).map(([id]) => id);
      return ids.length > 0 ? new Set(ids) : undefined;
    };
    const { outcomes, updated } = await electLeaders({ zk: input.handle.current, ctl, metadata: view.metadata, online, offlineDirReplicas, log: input.log }, list, type, trigger);
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

  const unplug = input.apis?.activate({ alterPartition, controlledShutdown, electLeaders: electLeadersApi, alterPartitionReassignments: alterReassignments, listPartitionReassignments: listReassignmentsApi,
    leaderAndIsrResponseReceived: (brokerId, answer) => leaderAndIsrResponseReceived(brokerId, null, answer) });
  enqueue('LogDirEventNotification', () => processLogDirEventNotification(true));
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
