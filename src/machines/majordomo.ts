/**
 * Majordomo: the broker's parent actor. It runs Kafka's KafkaServer.startup() in order, spawns and
 * supervises the coordinators, exposes Kafka's BrokerState, and shuts down in reverse order.
 *
 *   starting ─────────────────────────────────────────────────────────► running
 *     connectingToZooKeeper → gettingClusterId → loadingMetaProperties →   serving ⇄ reregistering
 *     resolvingBrokerId → initializingDynamicConfig → writingMetaProperties →     │
 *     startingLogManager → startingFeatureListener → startingSocketServer →       │ SIGTERM
 *     registeringBroker → startingController → startingConfigManager →           ▼
 *     awaitingMetadata
 *   (any failure) ──────────────────────────────────────────────► shuttingDown ──► stopped (final)
 *   (last log dir lost) ─────────────────────────────────────────► halted (final)
 */
import { setup, assign, spawnChild, stopChild, sendTo, fromPromise, enqueueActions, type AnyActorRef, type AnyEventObject } from 'xstate';

type Forward = { id: string; event: AnyEventObject };
import * as path from 'node:path';
import type { Logger } from '../logger.js';
import type { KafkaConfig } from '../config/kafka-config.js';
import { ZkHandle } from '../services/zookeeper/zk-handle.js';
import { getOrCreateClusterId } from '../services/zookeeper/kafka-zk-client.js';
import { registerBrokerInZooKeeper, updateBrokerInfo } from '../services/server/broker-registration.js';
import { listenerUpdateFor, listenersMayHaveChanged } from '../services/server/dynamic-listeners.js';
import type { BrokerInfo } from '../services/zookeeper/zk-data.js';
import {
  loadMetaPropertiesEnsemble, verifyEnsemble, getOrGenerateBrokerId, writeMetaPropertiesToDirs,
  createBrokerInfo, type OfflineDir,
} from '../services/server/broker-metadata.js';
import type { MetaPropertiesState } from '../services/log/meta-properties.js';
import { loadDynamicBrokerConfig, reportIgnoredDynamicConfigs, type DynamicConfigLoad } from '../services/server/dynamic-config-loader.js';
import { readTopicConfigs } from '../services/zookeeper/kafka-zk-client.js';
import { topicConfigFilterFor } from '../services/config/topic-config-filter.js';
import { resignController } from '../services/controller/controller-election.js';
import { zookeeperClientMachine, type ZkClientParentEvent } from './zookeeper-client.js';
import { logDirFailureChannelMachine, type LogDirFailureParentEvent } from './log-dir-failure-channel.js';
import { featureListenerMachine, type FeatureListenerParentEvent } from './feature-listener.js';
import { controllerMachine, type ControllerParentEvent } from './controller.js';
import { dynamicConfigMachine, type DynamicConfigParentEvent } from './dynamic-config.js';
import { logManagerMachine, type LogManagerParentEvent } from './log-manager.js';
import { socketServerMachine, type SocketServerParentEvent } from './socket-server.js';
import { connectionQuotasConfigOf } from '../services/network/connection-quotas.js';
import { replicaFetcherManagerMachine, type ReplicaFetcherManagerEvent } from './replica-fetcher-manager.js';
import { advanceIsrState } from './partition-isr-state.js';
import { advanceMoveState } from './replica-alter-log-dirs-state.js';
import { MetadataCache } from '../services/server/metadata-cache.js';
import { ReplicaManager } from '../services/server/replica-manager.js';
import { AdminManager } from '../services/server/admin-manager.js';
import { createRequestHandler } from '../services/server/kafka-apis.js';
import { buildListenerSecurity } from '../services/security/listener-security.js';
import { tlsListenersChanged } from '../services/security/tls-reconfigure.js';
import { CredentialCache } from '../services/security/credential-cache.js';
import { AclAuthorizer, ACL_AUTHORIZER_CLASSES, authorizerSettings } from '../services/security/acl-authorizer.js';
import { aclAuthorizerMachine } from './acl-authorizer.js';
import { withTimeout } from '../services/server/handlers/common.js';
import { ProducerIdManager } from '../services/transaction/producer-id-manager.js';
import { getNewProducerIdBlock } from '../services/zookeeper/zk-producer-id-block.js';
import { GroupCoordinator } from '../services/group/group-coordinator.js';
import { groupCoordinatorMachine, standaloneGroupActor } from './group-coordinator.js';
import { TransactionCoordinator } from '../services/transaction/transaction-coordinator.js';
import { transactionCoordinatorMachine } from './transaction-coordinator.js';
import { advanceTxnStateTo } from './transaction-state.js';
import type { BrokerContext } from '../services/server/broker-context.js';
import { logDirsSourceOf } from '../services/admin/describe-log-dirs.js';
import type { BoundListener } from '../services/network/socket-server.js';
import type { LogManager } from '../services/log/log-manager.js';
import type { FinalizedFeatures } from '../services/features/finalized-feature-cache.js';
import { deliverInProcess } from '../services/server/control-requests.js';
import { ControllerApis } from '../services/controller/controller-apis.js';
import { FetchManager, FetchSessionCache } from '../services/server/fetch-session.js';
import { controlledShutdown, type ControlledShutdownOptions } from '../services/server/controlled-shutdown.js';
import { metadataControllerNodeProvider } from '../services/replication/node-to-controller-channel.js';
import { createAlterPartitionManager } from '../services/replication/alter-partition-manager.js';
import { metricsServerMachine } from './metrics-server.js';
import { KafkaMetrics } from '../services/metrics/kafka-metrics.js';
import { parseMetricsListener } from '../services/metrics/metrics-http-server.js';
import { QuotaManagers } from '../services/quota/quota-managers.js';
import { ReplicationQuotas } from '../services/replication/replication-quota-manager.js';
import { ClientQuotaConfigHandler } from '../services/quota/client-quota-config.js';
import { networkThreadsOf } from '../services/network/worker/network-workers.js';

/** Kafka's BrokerState (metadata/BrokerState.java) with its byte values. */
export const BrokerState = {
  NOT_RUNNING: 0, STARTING: 1, RECOVERY: 2, RUNNING: 3, PENDING_CONTROLLED_SHUTDOWN: 6, SHUTTING_DOWN: 7,
} as const;
export type BrokerStateName = keyof typeof BrokerState;

export interface MajordomoInput {
  config: KafkaConfig;
  /** The static properties (file + overrides): the base that dynamic configs are layered on. */
  staticProps: Record<string, string>;
  log: Logger;
  /** Reminder interval while ZooKeeper is away (tests shorten it). */
  zkWaitLogIntervalMs?: number;
}

export interface MajordomoContext extends MajordomoInput {
  handle: ZkHandle;
  brokerState: BrokerStateName;
  clusterId: string | null;
  brokerId: number | null;
  logDirs: string[];
  metaStates: MetaPropertiesState[];
  offlineDirs: OfflineDir[];
  onlineDirs: string[];
  /** Set once the LogManager machine has created it (the ReplicaManager needs it). */
  logManager: LogManager | null;
  metadataCache: MetadataCache | null;
  replicaManager: ReplicaManager | null;
  brokerContext: BrokerContext | null;
  groupCoordinator: GroupCoordinator | null;
  producerIdManager: ProducerIdManager | null;
  /** SCRAM credentials from /config/users, dropped on /config/changes notifications (SASL listeners). */
  credentialCache: CredentialCache | null;
  transactionCoordinator: TransactionCoordinator | null;
  boundListeners: BoundListener[];
  /** Which coordinators exist, so shutdown only waits for those. */
  started: { socketServer: boolean; logManager: boolean };
  /** The LogManager finished loading the logs (a shutdown before that abandons the load after a short wait). */
  logsLoaded: boolean;
  brokerEpoch: string | null;
  controllerId: number | null;
  finalizedFeatures: FinalizedFeatures | null;
  registrations: number;
  /** The session was re-initialised after registration but before RUNNING: re-register as soon as running. */
  reregisterPending: boolean;
  error: string | null;
  exitCode: number;
  halted: boolean;
  /** Restarts so far of each coordinator restarted after a failure (see COORDINATOR_FAILURE_POLICY). */
  coordinatorRestarts: Record<string, number>;
  /** The metrics registry when `metrics.http.listener` is set (its listener is the metricsServer child), else null. */
  metrics: KafkaMetrics | null;
  /** Client quotas (QuotaFactory.QuotaManagers), configured from /config/clients and /config/users by dynamicConfig. */
  quotas: QuotaManagers;
  /** Replication throttles (QuotaFactory's leader / follower ReplicationQuotaManager), fed by dynamicConfig. */
  replicationQuotas: ReplicationQuotas;
}

export type MajordomoEvent =
  | { type: 'broker.shutdown'; signal?: string }
  | ZkClientParentEvent | LogDirFailureParentEvent | FeatureListenerParentEvent | ControllerParentEvent | DynamicConfigParentEvent
  | LogManagerParentEvent | SocketServerParentEvent
  | { type: 'logManager.created'; manager: LogManager }
  | { type: 'logDir.failed'; dir: string; error: string }
  | { type: `xstate.error.actor.${string}`; error: unknown };

/** `halted`: Kafka's Exit.halt — the process must end at once, without a shutdown. */
export interface MajordomoOutput { exitCode: number; error: string | null; halted: boolean }

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A coordinator that failed unexpectedly (a bug, not a modelled failure such as zk.failed). While the broker starts,
 * that is Kafka's fatal startup error. Once it runs, each coordinator is treated as Kafka treats its equivalent:
 * - dynamicConfig (ZkConfigManager / ConfigHandler): Kafka logs a config change it cannot process and keeps serving,
 *   so the actor is logged and restarted (it re-reads /config/changes and the config entities); after
 *   MAX_COORDINATOR_RESTARTS the broker serves on without live config changes (logged) rather than crash-looping;
 * - any other coordinator: the broker cannot serve correctly without it, so the failure is logged as what failed
 *   where (not as a startup error) and the broker shuts down with exit code 1 (during a shutdown: logged, and the
 *   shutdown goes on).
 */
const COORDINATOR_FAILURE_POLICY: Readonly<Record<string, 'restart'>> = { dynamicConfig: 'restart' };
const MAX_COORDINATOR_RESTARTS = 5;
const failedCoordinator = (event: { type: string }) => event.type.slice('xstate.error.actor.'.length);

/** The config-change coordinator's input: at startup and when restarted after a failure. */
const dynamicConfigInput = (context: MajordomoContext) =>
  ({ handle: context.handle, brokerId: context.brokerId!, staticProps: context.staticProps, config: context.config, log: context.log.child({ actor: 'dynamicConfig' }),
    onUsersChanged: (names: string[]) => { for (const n of names) context.credentialCache?.invalidate(n); },
    clientQuotas: new ClientQuotaConfigHandler(context.quotas, context.log.child({ actor: 'clientQuotaManager' })),
    onBrokerEntity: (perBroker: Record<string, string>) => {
      for (const [type, bound] of context.replicationQuotas.updateBroker(perBroker)) {
        context.log.info({ type, bytesPerSecond: bound === Infinity ? null : bound }, `The ${type} replication throttle is now ${bound === Infinity ? 'off' : `${bound} B/s`}`);
      }
    } });

/** Kafka's fatal startup line. */
function logStartupFatal(context: MajordomoContext, error: string | null): void {
  context.log.fatal({ brokerId: context.brokerId, err: error }, `Fatal error during KafkaServer startup. Prepare to shutdown: ${error}`);
}

function mergeOffline(a: OfflineDir[], b: OfflineDir[]): OfflineDir[] {
  const out = [...a];
  for (const o of b) if (!out.some((x) => x.dir === o.dir)) out.push(o);
  return out;
}

/**
 * Topics created by another broker or tool: read their /config/topics overrides (Kafka reads them when it creates
 * the log; here the logs, created with the broker defaults, take them once read, as a topic config change).
 */
function loadNewTopicConfigs(context: MajordomoContext, self: { send(e: { type: 'topicConfig.updated'; topic: string; overrides: Record<string, string> }): void }, topics: string[]): void {
  const lm = context.logManager;
  if (lm === null) return;
  let reading = topicConfigReads.get(lm);
  if (!reading) topicConfigReads.set(lm, (reading = new Set()));
  const unknown = topics.filter((t) => !lm.hasTopicConfig(t) && !reading.has(t));
  if (unknown.length === 0) return;
  for (const t of unknown) reading.add(t);
  void readTopicConfigs(context.handle.current, unknown).then(
    (found) => { for (const [topic, overrides] of found) self.send({ type: 'topicConfig.updated', topic, overrides }); },
    (err) => context.log.warn({ topics: unknown, err: String(err) }, 'Reading topic configs failed; the broker defaults apply until their next change'),
  ).finally(() => { for (const t of unknown) reading.delete(t); });
}
/** Topics whose configs are being read, per LogManager (metadata updates may repeat before a read ends). */
const topicConfigReads = new WeakMap<object, Set<string>>();

export const majordomoMachine = setup({
  types: {} as { context: MajordomoContext; events: MajordomoEvent; input: MajordomoInput; output: MajordomoOutput },
  actors: {
    zookeeperClient: zookeeperClientMachine,
    logDirFailureChannel: logDirFailureChannelMachine,
    featureListener: featureListenerMachine,
    controller: controllerMachine,
    dynamicConfig: dynamicConfigMachine,
    groupCoordinator: groupCoordinatorMachine,
    transactionCoordinator: transactionCoordinatorMachine,
    metricsServer: metricsServerMachine,
    getClusterId: fromPromise<string, { handle: ZkHandle }>(({ input }) => getOrCreateClusterId(input.handle.current)),
    loadMetaProperties: fromPromise<{ states: MetaPropertiesState[]; errorDirs: OfflineDir[] }, { dirs: string[]; clusterId: string; configuredId: number }>(
      async ({ input }) => {
        const ensemble = await loadMetaPropertiesEnsemble(input.dirs);
        verifyEnsemble(ensemble.states, input.clusterId, input.configuredId >= 0 ? input.configuredId : undefined);
        return ensemble;
      }),
    resolveBrokerId: fromPromise<{ brokerId: number; source: string }, { handle: ZkHandle; config: KafkaConfig; states: MetaPropertiesState[] }>(
      ({ input }) => getOrGenerateBrokerId(input.handle.current, input.config, input.states)),
    loadDynamicConfig: fromPromise<DynamicConfigLoad, { handle: ZkHandle; brokerId: number; staticProps: Record<string, string> }>(
      ({ input }) => loadDynamicBrokerConfig(input.handle.current, input.brokerId, input.staticProps)),
    writeMetaProperties: fromPromise<{ written: string[]; failed: OfflineDir[] }, { dirs: string[]; brokerId: number; clusterId: string; states: MetaPropertiesState[] }>(
      async ({ input }) => {
        const r = await writeMetaPropertiesToDirs(input.dirs, input.brokerId, input.clusterId);
        verifyEnsemble(input.states, input.clusterId, input.brokerId);
        return r;
      }),
    logManager: logManagerMachine,
    socketServer: socketServerMachine,
    aclAuthorizer: aclAuthorizerMachine,
    replicaFetcherManager: replicaFetcherManagerMachine,
    registerBroker: fromPromise<bigint, { handle: ZkHandle; config: KafkaConfig; brokerId: number; bound: BoundListener[]; log: Logger }>(async ({ input, signal }) => {
      const info = createBrokerInfo(input.config, input.brokerId, Date.now(), input.bound);
      return registerBrokerInZooKeeper(input.handle.current, info, input.handle.previousSessionIds, {
        // ZooKeeper expires sessions on tick boundaries, so allow up to twice the session timeout.
        staleWaitMs: 2 * input.config.zkSessionTimeoutMs,
        signal, // a shutdown during the wait ends it at once
        onWaiting: (owner) => input.log.warn({ brokerId: input.brokerId, owner: `0x${owner}` },
          `/brokers/ids/${input.brokerId} is held by session 0x${owner}; waiting up to ${2 * input.config.zkSessionTimeoutMs} ms (2 x zookeeper.session.timeout.ms) for it to expire (a previous process of this broker?)`),
        onSlow: (s) => input.log.warn({ brokerId: input.brokerId, ...s },
          `Registering broker ${input.brokerId} still waits on ZooKeeper after ${s.elapsedMs} ms: ${s.step} (session 0x${s.sessionId}, ${s.connected ? 'connected' : 'not connected'})`),
      });
    }),
    /** KafkaServer.controlledShutdown: ask the controller to move this broker's leaderships first (helper B's step). */
    updateBrokerInfo: fromPromise<void, { handle: ZkHandle; info: BrokerInfo; log: Logger }>(async ({ input }) => {
      const endpoints = input.info.endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`);
      const err = await updateBrokerInfo(input.handle.current, input.info);
      if (err) input.log.error({ err: err.message, endpoints }, `Updating /brokers/ids/${input.info.id} with the new listeners failed: ${err.message}`);
      else input.log.info({ brokerId: input.info.id, endpoints }, `Updated broker info at /brokers/ids/${input.info.id}: endpoints ${endpoints.join(',')}`);
    }),
    controlledShutdown: fromPromise<boolean, Omit<ControlledShutdownOptions, 'signal'>>(({ input, signal }) => controlledShutdown({ ...input, signal })),
    closeZooKeeper: fromPromise<void, { handle: ZkHandle; brokerId: number | null; sessionTimeoutMs: number; log: Logger }>(async ({ input }) => {
      const { log } = input;
      const step = async (name: string, fn: () => Promise<void> | void) => {
        try { await fn(); log.debug({ step: name }, 'Shutdown step done'); } catch (e) { log.error({ step: name, err: message(e) }, 'Shutdown step failed; continuing'); }
      };
      // A ZooKeeper that is up but stuck (it answers pings, never this request) must not hold the
      // shutdown: give the resignation a third of the session timeout (the controller znode is
      // ephemeral and goes with the session anyway); close() drops a connection that stays stuck.
      if (input.brokerId !== null) await step('resign controller', () => withTimeout(resignController(input.handle, input.brokerId!), input.sessionTimeoutMs / 3, 'resigning the controller'));
      await step('zookeeper', () => input.handle.close());
    }),
  },
  delays: {
    /**
     * How long a shutdown waits for the LogManager: loaded logs get a minute to flush and checkpoint; a load still
     * running (a long recovery, or a hung disk) gets half a second and is then left as a crash would leave it —
     * recovery is crash-safe, and Kafka refuses to shut down while starting at all (it halts).
     */
    logShutdownBound: ({ context }) => (context.logsLoaded ? 60_000 : 500),
  },
  guards: {
    socketServerStarted: ({ context }) => context.started.socketServer,
    restartableCoordinator: ({ context, event }) =>
      COORDINATOR_FAILURE_POLICY[failedCoordinator(event)] === 'restart' && context.brokerState !== 'SHUTTING_DOWN' && context.brokerState !== 'NOT_RUNNING',
    brokerRunning: ({ context }) => context.brokerState === 'RUNNING' || context.brokerState === 'PENDING_CONTROLLED_SHUTDOWN',
    brokerShuttingDown: ({ context }) => context.brokerState === 'SHUTTING_DOWN' || context.brokerState === 'NOT_RUNNING',
    logManagerStarted: ({ context }) => context.started.logManager,
  },
  actions: {
    /** sendTo a coordinator that may not exist (yet): startup can fail before it was spawned. */
    forward: enqueueActions(({ enqueue, self }, p: Forward) => {
      if (self.getSnapshot().children[p.id]) enqueue.sendTo(p.id, p.event);
    }),
    /** LeaderAndIsr, UpdateMetadata, StopReplica from the controller on this broker: the path the wire handlers take. */
    applyControllerRequests: ({ context, event }) => {
      if (event.type !== 'controller.requests' || !context.brokerContext?.control) return;
      const result = deliverInProcess(context.brokerContext.control, event.requests);
      // Kafka's LeaderAndIsrResponseReceived for the controller's own broker (its KAFKA_STORAGE_ERROR replicas go offline).
      if (result.leaderAndIsr && context.brokerId !== null) context.brokerContext.controller?.leaderAndIsrResponseReceived(context.brokerId, result.leaderAndIsr);
    },
    // A coordinator that ended in failure has nothing to shut down.
    logManagerGone: assign({ started: ({ context }) => ({ ...context.started, logManager: false }) }),
    socketServerGone: assign({ started: ({ context }) => ({ ...context.started, socketServer: false }) }),
    setBrokerState: enqueueActions(({ context, enqueue }, state: BrokerStateName) => {
      if (context.brokerState === state) return;
      context.log.info({ brokerState: state, brokerId: context.brokerId }, `Broker state ${context.brokerState} -> ${state}`);
      enqueue.assign({ brokerState: state });
    }),
    fail: assign((_, p: { error: string }) => ({ error: p.error, exitCode: 1 })),
    /** A startup step's invoke failed: record its error and log it as fatal (then shut down). */
    failOnError: enqueueActions(({ context, event, enqueue }) => {
      const error = message((event as { error?: unknown }).error);
      enqueue.assign({ error, exitCode: 1 });
      logStartupFatal(context, error);
    }),
    logFatal: ({ context }) => logStartupFatal(context, context.error),
    /** COORDINATOR_FAILURE_POLICY 'restart': log what failed, restart it (bounded), keep serving. */
    restartCoordinator: enqueueActions(({ context, event, enqueue }) => {
      const id = failedCoordinator(event);
      const err = message((event as { error?: unknown }).error);
      const n = (context.coordinatorRestarts[id] ?? 0) + 1;
      enqueue.assign({ coordinatorRestarts: { ...context.coordinatorRestarts, [id]: n } });
      enqueue(stopChild(id));
      if (n > MAX_COORDINATOR_RESTARTS) {
        context.log.error({ brokerId: context.brokerId, coordinator: id, err }, `Coordinator ${id} failed: ${err}; not restarted again after ${MAX_COORDINATOR_RESTARTS} restarts: the broker keeps serving, but applies no further config changes until it is restarted`);
        return;
      }
      context.log.error({ brokerId: context.brokerId, coordinator: id, err, restart: n }, `Coordinator ${id} failed: ${err}; restarting it (${n}/${MAX_COORDINATOR_RESTARTS}), the broker keeps serving`);
      enqueue.spawnChild('dynamicConfig', { id: 'dynamicConfig', systemId: 'dynamicConfig', input: dynamicConfigInput(context) });
    }),
    /** Any other coordinator failing once the broker runs: say what failed where, then shut down (exit 1). */
    failAfterStartup: enqueueActions(({ context, event, enqueue }) => {
      const id = failedCoordinator(event);
      const error = `Coordinator ${id} failed after startup: ${message((event as { error?: unknown }).error)}`;
      enqueue.assign({ error, exitCode: 1 });
      context.log.fatal({ brokerId: context.brokerId, coordinator: id, err: error }, `${error}. The broker cannot serve without it: shutting down`);
    }),
    reportOfflineDirsToChannel: enqueueActions(({ context, enqueue }) => {
      for (const o of context.offlineDirs) enqueue.sendTo('logDirFailureChannel', { type: 'logDir.failed', dir: o.dir, error: o.error, neverLive: true });
    }),
    stopCoordinators: enqueueActions(({ context, enqueue, self }) => {
      // ReplicaManager.shutdown: fetchers stopped, the high watermarks checkpointed before the logs close
      context.replicaManager?.shutdown();
      // Reverse start order; stopping a child that was never spawned is a no-op (sending to one is not).
      if (self.getSnapshot().children.transactionCoordinator?.getSnapshot().status === 'active') enqueue.sendTo('transactionCoordinator', { type: 'transactionCoordinator.shutdown' });
      if (self.getSnapshot().children.groupCoordinator?.getSnapshot().status === 'active') enqueue.sendTo('groupCoordinator', { type: 'groupCoordinator.shutdown' });
      if (self.getSnapshot().children.replicaFetcherManager?.getSnapshot().status === 'active') enqueue.sendTo('replicaFetcherManager', { type: 'fetchers.shutdown' });
      for (const id of ['transactionCoordinator', 'groupCoordinator', 'replicaFetcherManager', 'dynamicConfig', 'controller', 'featureListener', 'logDirFailureChannel', 'socketServer', 'aclAuthorizer']) enqueue(stopChild(id));
    }),
  },
}).createMachine({
  id: 'majordomo',
  context: ({ input }) => ({
    ...input,
    handle: new ZkHandle(input.config.zkConnect),
    brokerState: 'NOT_RUNNING', clusterId: null, brokerId: null,
    logDirs: input.config.logDirs.map((d) => path.resolve(d)),
    metaStates: [], offlineDirs: [], onlineDirs: [], brokerEpoch: null, controllerId: null,
    logManager: null, metadataCache: null, replicaManager: null, brokerContext: null, groupCoordinator: null, producerIdManager: null, transactionCoordinator: null, credentialCache: null, boundListeners: [], started: { socketServer: false, logManager: false }, logsLoaded: false,
    finalizedFeatures: null, registrations: 0, reregisterPending: false, error: null, exitCode: 0, halted: false, coordinatorRestarts: {},
    metrics: parseMetricsListener(input.config.getString('metrics.http.listener')) ? new KafkaMetrics() : null,
    quotas: new QuotaManagers({ numSamples: input.config.getInt('quota.window.num'), windowSizeSeconds: input.config.getInt('quota.window.size.seconds') }),
    replicationQuotas: new ReplicationQuotas(),
  }),
  // metrics.http.listener: first, so that /healthz and /readyz answer while the broker starts
  entry: enqueueActions(({ context, enqueue, self }) => {
    const address = parseMetricsListener(context.config.getString('metrics.http.listener'));
    if (!address || !context.metrics) return;
    enqueue.spawnChild('metricsServer', { id: 'metricsServer', systemId: 'metricsServer', input: {
      address, kafkaPorts: context.config.listeners.map((l) => l.port), metrics: context.metrics, majordomo: self, log: context.log.child({ actor: 'metricsServer' }),
    } });
  }),
  output: ({ context }) => ({ exitCode: context.exitCode, error: context.error, halted: context.halted }),
  on: {
    // A coordinator crashed (a bug, not a modelled failure): COORDINATOR_FAILURE_POLICY.
    'xstate.error.actor.*': [
      { guard: 'restartableCoordinator', actions: 'restartCoordinator' },
      { guard: 'brokerShuttingDown', actions: ({ context, event }) => context.log.error({ brokerId: context.brokerId, coordinator: failedCoordinator(event), err: message(event.error) },
        `Coordinator ${failedCoordinator(event)} failed during shutdown: ${message(event.error)}; the shutdown goes on`) },
      { guard: 'brokerRunning', target: '.shuttingDown', actions: 'failAfterStartup' },
      { target: '.shuttingDown', actions: [{ type: 'fail', params: ({ event }) => ({ error: `Coordinator ${failedCoordinator(event)} failed: ${message(event.error)}` }) }, 'logFatal'] },
    ],
    'ldfc.dirOffline': {
      // Kafka's ReplicaManager.handleLogDirFailure: its partitions go offline first, then the LogManager closes the dir.
      actions: [({ context, event }) => context.replicaManager?.handleLogDirFailure(event.dir), { type: 'forward', params: ({ event }) => ({ id: 'logManager', event: { type: 'logDir.offline', dir: event.dir } }) }, assign(({ context, event }) => ({
        onlineDirs: context.onlineDirs.filter((d) => d !== event.dir),
        offlineDirs: mergeOffline(context.offlineDirs, [{ dir: event.dir, error: event.error }]),
      }))],
    },
    'ldfc.allOffline': { target: '.halted', actions: { type: 'fail', params: ({ event }) => ({ error: event.message }) } },
    'feature.updated': { actions: assign({ finalizedFeatures: ({ event }) => event.cache }) },
    'feature.incompatible': { target: '.shuttingDown', actions: [{ type: 'fail', params: ({ event }) => ({ error: event.error }) }, 'logFatal'] },
    'feature.failed': { target: '.shuttingDown', actions: [{ type: 'fail', params: ({ event }) => ({ error: event.error }) }, 'logFatal'] },
    // A config change that cannot be applied is logged and the broker keeps serving (Kafka's ConfigHandler).
    'config.updated': { actions: [assign({ config: ({ event }) => event.config }),
      // max.connections*, max.connection.creation.rate are dynamic in Kafka (ConnectionQuotas reconfigure)
      { type: 'forward', params: ({ event }) => ({ id: 'socketServer', event: { type: 'socketServer.reconfigure', connectionQuotas: connectionQuotasConfigOf(event.config) } }) },
      ({ context, event }) => {
      try { context.logManager?.updateBrokerDefaults(event.config); } catch (e) {
        context.log.error({ err: message(e), changed: event.changed }, `Applying the dynamic broker config change (${event.changed.join(', ')}) to the logs failed: ${message(e)}; the broker keeps serving`);
      }
    }, ({ event, self }) => {
      // listener.name.<l>.ssl.keystore.* etc.: the socket server reloads that listener's key store (issue 14)
      if (tlsListenersChanged(event.changed).size === 0) return;
      (self.getSnapshot().children as Record<string, AnyActorRef | undefined>).socketServer?.send({ type: 'socketServer.reconfigureTls', config: event.config, changed: event.changed });
    }, enqueueActions(({ context, event, enqueue, self }) => {
      // listeners added / removed / re-advertised (Kafka's DynamicListenerConfig.reconfigure; services/server/dynamic-listeners.ts, AA)
      if (listenersMayHaveChanged(event.changed) && self.getSnapshot().children.socketServer) {
        const update = listenerUpdateFor(event.config, context.credentialCache?.lookup);
        if ('error' in update) context.log.error({ err: update.error }, `The listener change cannot be applied: ${update.error}`);
        else enqueue.sendTo('socketServer', { type: 'socketServer.updateListeners', ...update });
      }
    }), enqueueActions(({ event, enqueue, self }) => {
      // num.replica.fetchers (Kafka's DynamicThreadPool → resizeFetcherThreadPool), once the fetcher manager runs (K)
      if (event.changed.includes('num.replica.fetchers') && self.getSnapshot().children.replicaFetcherManager) {
        enqueue.sendTo('replicaFetcherManager', { type: 'fetchers.resize', numFetchers: event.config.getInt('num.replica.fetchers') });
      }
    })] },
    // /config/topics/<t> changed (Kafka's TopicConfigHandler): the topic's logs take the new overrides
    'topicConfig.updated': { actions: ({ context, event }) => {
      // unknown / invalid entries skipped with one warning each (TopicConfigFilter)
      const overrides = topicConfigFilterFor(context.handle, context.log).filter(event.topic, event.overrides);
      const throttleError = context.replicationQuotas.updateTopic(event.topic, event.overrides);
      if (throttleError) context.log.warn({ topic: event.topic, err: throttleError.message }, `Ignoring the replication throttle of topic ${event.topic}: ${throttleError.message}`);
      try { context.logManager?.updateTopicConfig(event.topic, overrides); } catch (e) {
        context.log.error({ topic: event.topic, err: message(e) }, `Applying the config of topic ${event.topic} (/config/topics/${event.topic}) failed: ${message(e)}; the broker keeps serving`);
        return;
      }
      context.log.info({ topic: event.topic, overrides: event.overrides }, `Processed topic config change for ${event.topic}`);
    } },
    // the socket server applied a listener change: registration re-written with the new endpoints (updateBrokerInfo)
    'socketServer.listenersUpdated': { actions: [assign({ boundListeners: ({ event }) => event.bound }), enqueueActions(({ context, enqueue }) => {
      if (context.brokerEpoch === null || context.brokerId === null) return; // not registered yet: the registration takes them
      enqueue.spawnChild('updateBrokerInfo', { input: { handle: context.handle, info: createBrokerInfo(context.config, context.brokerId, Date.now(), context.boundListeners), log: context.log } });
    })] },
    'controller.elected': { actions: assign({ controllerId: ({ event }) => event.controllerId }) },
    'logManager.created': { actions: assign({ logManager: ({ event }) => event.manager }) },
    'logDir.failed': { actions: { type: 'forward', params: ({ event }) => ({ id: 'logDirFailureChannel', event }) } },
    'controller.requests': { actions: 'applyControllerRequests' },
  },
  initial: 'starting',
  states: {
    starting: {
      entry: { type: 'setBrokerState', params: 'STARTING' },
      on: {
        'broker.shutdown': 'shuttingDown',
        'zk.failed': { target: 'shuttingDown', actions: [{ type: 'fail', params: ({ event }) => ({ error: event.error }) }, 'logFatal'] },
      },
      initial: 'connectingToZooKeeper',
      states: {
        connectingToZooKeeper: {
          entry: [
            ({ context }) => context.log.info({ zookeeper: context.config.zkConnect }, `Connecting to ZooKeeper at ${context.config.zkConnect}`),
            spawnChild('zookeeperClient', {
              id: 'zookeeperClient', systemId: 'zookeeperClient',
              input: ({ context }) => ({
                handle: context.handle, log: context.log.child({ actor: 'zookeeperClient' }),
                sessionTimeoutMs: context.config.zkSessionTimeoutMs, connectionTimeoutMs: context.config.zkConnectionTimeoutMs,
                setAcl: context.config.zkSetAcl,
                waitLogIntervalMs: context.zkWaitLogIntervalMs,
              }),
            }),
          ],
          on: { 'zk.ready': 'gettingClusterId' },
        },
        gettingClusterId: {
          invoke: {
            src: 'getClusterId', input: ({ context }) => ({ handle: context.handle }),
            onDone: {
              target: 'loadingMetaProperties',
              actions: [assign({ clusterId: ({ event }) => event.output }), ({ context }) => context.log.info({ clusterId: context.clusterId }, `Cluster ID = ${context.clusterId}`)],
            },
            onError: { target: '#majordomo.shuttingDown', actions: 'failOnError' },
          },
        },
        loadingMetaProperties: {
          invoke: {
            src: 'loadMetaProperties',
            input: ({ context }) => ({ dirs: context.logDirs, clusterId: context.clusterId!, configuredId: context.config.brokerId }),
            onDone: {
              target: 'resolvingBrokerId',
              actions: [
                assign({ metaStates: ({ event }) => event.output.states, offlineDirs: ({ event }) => event.output.errorDirs }),
                ({ context }) => context.offlineDirs.forEach((o) => context.log.error({ dir: o.dir, err: o.error }, `Log dir ${o.dir} will be offline: ${o.error}`)),
              ],
            },
            onError: { target: '#majordomo.shuttingDown', actions: 'failOnError' },
          },
        },
        resolvingBrokerId: {
          invoke: {
            src: 'resolveBrokerId',
            input: ({ context }) => ({ handle: context.handle, config: context.config, states: context.metaStates }),
            onDone: {
              target: 'initializingDynamicConfig',
              actions: [assign({ brokerId: ({ event }) => event.output.brokerId }),
                ({ context, event }) => context.log.info({ brokerId: context.brokerId, source: event.output.source }, `Broker id ${context.brokerId} (${event.output.source})`)],
            },
            onError: { target: '#majordomo.shuttingDown', actions: 'failOnError' },
          },
        },
        initializingDynamicConfig: {
          invoke: {
            src: 'loadDynamicConfig',
            input: ({ context }) => ({ handle: context.handle, brokerId: context.brokerId!, staticProps: context.staticProps }),
            onDone: {
              target: 'writingMetaProperties',
              actions: [
                assign({ config: ({ event }) => event.output.config }),
                ({ context, event }) => {
                  reportIgnoredDynamicConfigs(context.log, event.output);
                  context.replicationQuotas.brokerId = context.brokerId!;
                  context.replicationQuotas.updateBroker(event.output.perBroker);
                  const dyn = { ...event.output.clusterDefault, ...event.output.perBroker };
                  if (Object.keys(dyn).length > 0) context.log.info({ dynamicConfigs: Object.keys(dyn) }, 'Applied dynamic broker configs from ZooKeeper');
                },
              ],
            },
            onError: { target: '#majordomo.shuttingDown', actions: 'failOnError' },
          },
        },
        writingMetaProperties: {
          invoke: {
            src: 'writeMetaProperties',
            input: ({ context }) => ({
              dirs: context.logDirs.filter((d) => !context.offlineDirs.some((o) => o.dir === d)),
              brokerId: context.brokerId!, clusterId: context.clusterId!, states: context.metaStates,
            }),
            onDone: {
              target: 'startingLogManager',
              actions: assign({ offlineDirs: ({ context, event }) => [...context.offlineDirs, ...event.output.failed] }),
            },
            onError: { target: '#majordomo.shuttingDown', actions: 'failOnError' },
          },
        },
        startingLogManager: {
          entry: [
            spawnChild('logDirFailureChannel', {
              id: 'logDirFailureChannel', systemId: 'logDirFailureChannel',
              input: ({ context }) => ({ handle: context.handle, logDirs: context.logDirs, log: context.log.child({ actor: 'logDirFailureChannel' }) }),
            }),
            spawnChild('logManager', {
              id: 'logManager', systemId: 'logManager',
              input: ({ context }) => ({
                config: context.config, handle: context.handle, log: context.log.child({ actor: 'logManager' }),
                // Every configured dir: those already failed are marked offline, and named in a halt.
                logDirs: context.logDirs, initialOfflineDirs: context.offlineDirs,
              }),
            }),
            assign({ started: ({ context }) => ({ ...context.started, logManager: true }) }),
          ],
          on: {
            // LogManager constructed: dirs validated and locked. Kafka's broker state is RECOVERY while logs load.
            'logManager.dirsReady': {
              actions: [
                assign({ onlineDirs: ({ event }) => event.online, offlineDirs: ({ context, event }) => mergeOffline(context.offlineDirs, event.offline) }),
                'reportOfflineDirsToChannel',
                { type: 'setBrokerState', params: 'RECOVERY' },
                ({ context }) => context.log.info({ online: context.onlineDirs, offline: context.offlineDirs.map((o) => o.dir) }, 'Log dirs ready'),
              ],
            },
            'logManager.loaded': {
              target: 'startingFeatureListener',
              actions: [assign({ logsLoaded: true }), ({ context, event }) => context.log.info({ logs: event.logs, recoveredSegments: event.recoveredSegments, truncatedBytes: event.truncatedBytes, hadCleanShutdown: event.hadCleanShutdown, durationMs: Math.round(event.durationMs) },
                `Log manager ready: ${event.logs} logs loaded in ${Math.round(event.durationMs)} ms`)],
            },
            'logManager.failed': [
              { guard: ({ event }) => event.halt, target: '#majordomo.halted', actions: { type: 'fail', params: ({ event }) => ({ error: event.error }) } },
              { target: '#majordomo.shuttingDown', actions: ['logManagerGone', { type: 'fail', params: ({ event }) => ({ error: event.error }) }, 'logFatal'] },
            ],
          },
        },
        startingFeatureListener: {
          entry: spawnChild('featureListener', {
            id: 'featureListener', systemId: 'featureListener',
            input: ({ context }) => ({ handle: context.handle, initTimeoutMs: context.config.zkConnectionTimeoutMs, log: context.log.child({ actor: 'featureListener' }) }),
          }),
          on: { 'feature.ready': { target: 'startingSocketServer', actions: assign({ finalizedFeatures: ({ event }) => event.cache }) } },
        },
        startingSocketServer: {
          // Steps 16–18: SocketServer, then ReplicaManager. Listeners bind here so that port 0 is
          // known before registration; requests are only answered once the broker context exists.
          entry: [
            assign(({ context, self }) => {
              const metadataCache = new MetadataCache(context.brokerId!, context.clusterId!);
              // the follower side: the ReplicaFetcherManager child (spawned below) runs the fetchers
              const toFetchers = (e: ReplicaFetcherManagerEvent) => (self.getSnapshot().children as Record<string, { send(e: ReplicaFetcherManagerEvent): void } | undefined>).replicaFetcherManager?.send(e);
              const replicaManager = new ReplicaManager(context.brokerId!, context.logManager, metadataCache, context.log.child({ actor: 'replicaManager' }), {
                advanceIsrState: context.metrics ? context.metrics.countIsrChanges(advanceIsrState) : advanceIsrState,
                advanceMoveState, // the -future replica mover's per-partition states (AB)
                config: () => self.getSnapshot().context.config,
                // ISR changes: AlterPartition to the controller (IBP >= 2.7-IV2) or the leader's own ZooKeeper write
                alterPartition: createAlterPartitionManager({
                  brokerId: context.brokerId!,
                  interBrokerProtocolVersion: () => self.getSnapshot().context.config.getString('inter.broker.protocol.version')!,
                  brokerEpoch: () => BigInt(self.getSnapshot().context.brokerEpoch ?? -1),
                  controller: metadataControllerNodeProvider(metadataCache, context.config.getString('control.plane.listener.name') ?? context.config.interBrokerListenerName),
                  zk: () => context.handle.current,
                  requestTimeoutMs: context.config.getInt('request.timeout.ms'),
                  log: context.log.child({ actor: 'alterPartitionManager' }),
                }),
                // the -future replica mover's throttle (replica.alter.log.dirs.io.max.bytes.per.second, Q)
                alterLogDirsQuota: { isExceeded: () => context.replicationQuotas.alterLogDirs.isQuotaExceeded(), record: (b) => context.replicationQuotas.alterLogDirs.record(b) },
                fetchers: {
                  addFetcherForPartitions: (partitions) => toFetchers({ type: 'fetchers.add', partitions }),
                  removeFetcherForPartitions: (partitions) => toFetchers({ type: 'fetchers.remove', partitions: [...partitions] }),
                },
              });
              replicaManager.startup();
              // authorizer.class.name=…AclAuthorizer: the ACL cache; the aclAuthorizer child (spawned below) fills and watches it
              const authorizerClass = context.config.getString('authorizer.class.name')?.trim() ?? '';
              const aclAuthorizer = ACL_AUTHORIZER_CLASSES.includes(authorizerClass)
                ? new AclAuthorizer(authorizerSettings(context.config.getString('super.users'), context.config.getBoolean('allow.everyone.if.no.acl.found')), context.log.child({ actor: 'aclAuthorizer' }))
                : null;
              const brokerContext: BrokerContext = {
                ...(aclAuthorizer ? { authorizer: aclAuthorizer } : {}),
                config: () => self.getSnapshot().context.config,
                metadata: metadataCache,
                replicas: replicaManager,
                control: {
                  brokerEpoch: () => BigInt(self.getSnapshot().context.brokerEpoch ?? -1),
                  replicas: replicaManager,
                  log: context.log.child({ actor: 'replicaManager' }),
                  // partitions of topics created elsewhere: their /config/topics overrides are read (Kafka reads them on log creation)
                  onLeaderAndIsr: (topics) => {
                    loadNewTopicConfigs(self.getSnapshot().context, self, topics);
                    // Kafka's onLeadershipChange → TransactionCoordinator.onElection / onResignation (M, issue 13); on the next
                    // turn, so that an UpdateMetadata delivered with it (in-process batch) is in the metadata cache first
                    if (topics.includes('__transaction_state')) setImmediate(() => self.getSnapshot().context.transactionCoordinator?.stateManager.syncLeadership());
                  },
                  // Kafka's handleStopReplicaRequest → TransactionCoordinator.onResignation (S, issue 13): a partition moved away or
                  // deleted is unloaded at once (everything of the controller's batch has landed: StopReplica comes last)
                  onStopReplica: (topics) => {
                    if (topics.includes('__transaction_state')) self.getSnapshot().context.transactionCoordinator?.stateManager.syncLeadership();
                    // … → GroupCoordinator.onResignation (AC, issue 13): a moved or deleted offsets partition's groups are unloaded at once
                    if (topics.includes('__consumer_offsets')) self.getSnapshot().context.groupCoordinator?.onResignation();
                  },
                },
                controller: new ControllerApis(),
                // incremental fetch sessions (KIP-227): KafkaServer's FetchManager over a FetchSessionCache
                fetchManager: new FetchManager(new FetchSessionCache(() => context.config.getInt('max.incremental.fetch.session.cache.slots'))),
                logDirMover: replicaManager,
                ...(context.logManager ? { logDirs: logDirsSourceOf(context.logManager, () => self.getSnapshot().context.config.logDirs) } : {}),
                // a topic created here: its overrides take the same way in as a config change notification
                admin: new AdminManager(context.handle, () => self.getSnapshot().context.config, metadataCache,
                  (topic, overrides) => self.send({ type: 'topicConfig.updated', topic, overrides })),
                log: context.log.child({ actor: 'kafkaApis' }),
                ...(context.metrics ? { stats: context.metrics.topicStats, requestMetrics: context.metrics.requests, txnVerificationMetrics: context.metrics.txnVerification } : {}),
                quotas: context.quotas,
                replicationQuotas: context.replicationQuotas,
                clientQuotaStore: () => context.handle.current,
                aclStore: () => context.handle.current,
                scramCredentialStore: () => context.handle.current,
              };
              const groupCoordinator = new GroupCoordinator(brokerContext, { groupActors: standaloneGroupActor, log: context.log.child({ actor: 'groupCoordinator' }) });
              const brokerId = context.brokerId!;
              const producerIdManager = new ProducerIdManager(brokerId, () => getNewProducerIdBlock(context.handle.current, brokerId), context.log.child({ actor: 'producerIdManager' }));
              const transactionCoordinator = new TransactionCoordinator(brokerContext, { producerIds: producerIdManager, advanceTxnState: advanceTxnStateTo, groups: groupCoordinator, log: context.log.child({ actor: 'transactionCoordinator' }) });
              const credentialCache = new CredentialCache(() => context.handle.current, context.log.child({ actor: 'credentialCache' }));
              return { metadataCache, replicaManager, brokerContext, groupCoordinator, producerIdManager, transactionCoordinator, credentialCache, started: { ...context.started, socketServer: true } };
            }),
            enqueueActions(({ context, enqueue }) => {
              const authorizer = context.brokerContext?.authorizer;
              if (authorizer instanceof AclAuthorizer) {
                enqueue.spawnChild('aclAuthorizer', { id: 'aclAuthorizer', systemId: 'aclAuthorizer', input: { handle: context.handle, authorizer, log: context.log.child({ actor: 'aclAuthorizer' }) } });
              }
            }),
            spawnChild('replicaFetcherManager', {
              id: 'replicaFetcherManager', systemId: 'replicaFetcherManager',
              input: ({ context }) => {
                const c = context.config;
                return {
                  brokerId: context.brokerId!,
                  numFetchers: c.getInt('num.replica.fetchers'),
                  fetcherOptions: {
                    interBrokerProtocolVersion: c.getString('inter.broker.protocol.version')!,
                    maxWaitMs: c.getInt('replica.fetch.wait.max.ms'), minBytes: c.getInt('replica.fetch.min.bytes'),
                    maxBytes: c.getInt('replica.fetch.response.max.bytes'), partitionMaxBytes: c.getInt('replica.fetch.max.bytes'),
                    backoffMs: c.getInt('replica.fetch.backoff.ms'), socketTimeoutMs: c.getInt('replica.socket.timeout.ms'), requestTimeoutMs: c.getInt('request.timeout.ms'),
                    partitions: context.replicaManager!,
                    quota: context.replicationQuotas.follower,
                    ...(context.metrics ? { stats: context.metrics.topicStats } : {}),
                  },
                  log: context.log.child({ actor: 'replicaFetcherManager' }),
                };
              },
            }),
            spawnChild('socketServer', {
              id: 'socketServer', systemId: 'socketServer',
              input: ({ context, self }) => ({
                listeners: context.config.listeners,
                maxRequestBytes: context.config.getInt('socket.request.max.bytes'),
                idleTimeoutMs: context.config.getLong('connections.max.idle.ms'),
                queuedMaxRequests: context.config.getInt('queued.max.requests'),
                listenBacklog: context.config.getInt('socket.listen.backlog.size'),
                sendBufferBytes: context.config.getInt('socket.send.buffer.bytes'),
                receiveBufferBytes: context.config.getInt('socket.receive.buffer.bytes'),
                connectionQuotas: connectionQuotasConfigOf(context.config),
                queuedMaxRequestBytes: context.config.getLong('queued.max.request.bytes'),
                ipConnectionRates: context.quotas.ipConnectionRates,
                ...(context.metrics ? { requestTimes: context.metrics.requests.connectionTimes() } : {}),
                networkThreads: networkThreadsOf(context.config.getInt('num.network.threads')),
                log: context.log.child({ actor: 'socketServer' }),
                handler: createRequestHandler(context.brokerContext!, { groupCoordinator: context.groupCoordinator!, producerIdManager: context.producerIdManager!, transactionCoordinator: context.transactionCoordinator! }),
                security: buildListenerSecurity(context.config, context.config.listeners, context.credentialCache!.lookup),
              }),
            }),
          ],
          on: {
            'socketServer.listening': { target: 'registeringBroker', actions: assign({ boundListeners: ({ event }) => event.bound }) },
            'socketServer.failed': { target: '#majordomo.shuttingDown', actions: ['socketServerGone', { type: 'fail', params: ({ event }) => ({ error: event.error }) }, 'logFatal'] },
          },
        },
        registeringBroker: {
          // ReplicaManager startup (step 18) starts the log dir failure handler before registration.
          entry: sendTo('logDirFailureChannel', ({ context }) => ({ type: 'ldfc.start', brokerId: context.brokerId!, liveDirs: context.onlineDirs })),
          // The session expired and was replaced meanwhile: the registration in flight holds the dead session (its next
          // call would wait for a reconnect that never comes), so register again on the new one, as running.reregistering
          // does (Kafka: RegisterBrokerAndReelect after the session is re-initialised).
          on: { 'zk.sessionReinitialized': { target: 'registeringBroker', reenter: true } },
          invoke: {
            src: 'registerBroker',
            input: ({ context }) => ({ handle: context.handle, config: context.config, brokerId: context.brokerId!, bound: context.boundListeners, log: context.log }),
            onDone: {
              target: 'startingController',
              actions: [
                assign({ brokerEpoch: ({ event }) => event.output.toString(), registrations: ({ context }) => context.registrations + 1 }),
                ({ context }) => context.log.info({ brokerId: context.brokerId, brokerEpoch: context.brokerEpoch, endpoints: context.config.effectiveAdvertisedListeners.map((e) => `${e.listenerName}://${e.host}:${e.port}`) },
                  `Registered broker ${context.brokerId} at path /brokers/ids/${context.brokerId}`),
              ],
            },
            onError: { target: '#majordomo.shuttingDown', actions: 'failOnError' },
          },
        },
        startingController: {
          entry: spawnChild('controller', {
            id: 'controller', systemId: 'controller',
            input: ({ context, self }) => ({
              handle: context.handle, brokerId: context.brokerId!, log: context.log.child({ actor: 'controller' }),
              deleteTopicEnable: context.config.getBoolean('delete.topic.enable'),
              apis: context.brokerContext?.controller,
              uncleanLeaderElectionEnable: () => self.getSnapshot().context.config.getBoolean('unclean.leader.election.enable'),
              autoLeaderRebalance: () => {
                const c = self.getSnapshot().context.config;
                return { enable: c.getBoolean('auto.leader.rebalance.enable'), checkIntervalMs: Number(c.getLong('leader.imbalance.check.interval.seconds')) * 1000,
                  imbalancePercentage: c.getInt('leader.imbalance.per.broker.percentage') };
              },
              channel: {
                listenerName: context.config.getString('control.plane.listener.name')?.toUpperCase() ?? context.config.interBrokerListenerName,
                interBrokerProtocolVersion: context.config.getString('inter.broker.protocol.version')!,
                socketTimeoutMs: context.config.getInt('controller.socket.timeout.ms'),
                requestTimeoutMs: context.config.getInt('request.timeout.ms'),
              },
            }),
          }),
          always: 'startingConfigManager',
        },
        startingConfigManager: {
          entry: spawnChild('dynamicConfig', {
            id: 'dynamicConfig', systemId: 'dynamicConfig',
            input: ({ context }) => dynamicConfigInput(context),
          }),
          always: 'awaitingMetadata',
        },
        awaitingMetadata: {
          // The controller's broker serves once its first in-process UpdateMetadata arrived. Another broker
          // goes on at once and, as in Kafka, answers from an empty cache until the controller's
          // UpdateMetadata reaches it over the channel (which needs its listeners serving).
          on: {
            // registered on the session that just expired: its registration is gone with it (Kafka's RegisterBrokerAndReelect
            // handler is installed before RUNNING too)
            'zk.sessionReinitialized': { actions: assign({ reregisterPending: true }) },
            'controller.requests': { target: '#majordomo.running', actions: 'applyControllerRequests' },
            'controller.elected': { guard: ({ event }) => !event.isActive, target: '#majordomo.running', actions: assign({ controllerId: ({ event }) => event.controllerId }) },
          },
          after: { 10_000: '#majordomo.running' },
        },
      },
    },
    running: {
      // Step 27: enableRequestProcessing, then RUNNING.
      entry: [
        spawnChild('groupCoordinator', {
          id: 'groupCoordinator', systemId: 'groupCoordinator',
          input: ({ context }) => ({ coordinator: context.groupCoordinator!, retentionCheckIntervalMs: Number(context.config.get('offsets.retention.check.interval.ms')), log: context.log.child({ actor: 'groupCoordinator' }) }),
        }),
        spawnChild('transactionCoordinator', {
          id: 'transactionCoordinator', systemId: 'transactionCoordinator',
          input: ({ context }) => ({
            coordinator: context.transactionCoordinator!,
            abortIntervalMs: context.config.getInt('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
            expiryIntervalMs: context.config.getInt('transaction.remove.expired.transaction.cleanup.interval.ms'),
            leadershipCheckMs: 30_000, // a safety net: LeaderAndIsr and StopReplica call syncLeadership (onLeaderAndIsr / onStopReplica above)
            log: context.log.child({ actor: 'transactionCoordinator' }),
          }),
        }),
        { type: 'forward', params: { id: 'socketServer', event: { type: 'socketServer.enable' } } }, { type: 'setBrokerState', params: 'RUNNING' }, ({ context }) => context.log.info({ brokerId: context.brokerId }, `[KafkaServer id=${context.brokerId}] started`)],
      on: {
        'broker.shutdown': [
          // Differs from Kafka: skipped while ZooKeeper is unreachable (no controller can move anything then, and the
          // attempts would hold the shutdown for retries x controller.socket.timeout.ms).
          { guard: ({ context }) => context.config.getBoolean('controlled.shutdown.enable') && context.handle.hasSession && context.handle.current.isConnected, target: 'controlledShutdown' },
          {
            target: 'shuttingDown',
            actions: ({ context }) => { if (context.config.getBoolean('controlled.shutdown.enable')) context.log.warn({ brokerId: context.brokerId }, 'Skipping the controlled shutdown: not connected to ZooKeeper'); },
          },
        ],
        'zk.failed': { target: 'shuttingDown', actions: [{ type: 'fail', params: ({ event }) => ({ error: event.error }) }, 'logFatal'] },
      },
      initial: 'serving',
      states: {
        serving: {
          always: { guard: ({ context }) => context.reregisterPending, target: 'reregistering' },
          on: { 'zk.sessionReinitialized': 'reregistering' },
        },
        reregistering: {
          entry: assign({ reregisterPending: false }),
          invoke: {
            src: 'registerBroker',
            input: ({ context }) => ({ handle: context.handle, config: context.config, brokerId: context.brokerId!, bound: context.boundListeners, log: context.log }),
            onDone: {
              target: 'serving',
              actions: [
                assign({ brokerEpoch: ({ event }) => event.output.toString(), registrations: ({ context }) => context.registrations + 1 }),
                ({ context }) => context.log.info({ brokerId: context.brokerId, brokerEpoch: context.brokerEpoch }, `Re-registered broker ${context.brokerId} at path /brokers/ids/${context.brokerId} after session re-initialisation`),
                sendTo('controller', { type: 'controller.reelect' }),
              ],
            },
            onError: { target: '#majordomo.shuttingDown', actions: [{ type: 'fail', params: ({ event }) => ({ error: `Re-registering after ZooKeeper session expiry failed: ${message(event.error)}` }) }, 'logFatal'] },
          },
          on: { 'zk.sessionReinitialized': { target: 'reregistering', reenter: true } },
        },
      },
    },
    controlledShutdown: {
      // KafkaServer.controlledShutdown (first step of shutdown): PENDING_CONTROLLED_SHUTDOWN while the controller moves
      // this broker's leaderships to other ISR members; then the normal shutdown, whether it succeeded or not.
      entry: [{ type: 'setBrokerState', params: 'PENDING_CONTROLLED_SHUTDOWN' }, ({ context }) => context.log.info({ brokerId: context.brokerId }, 'Starting controlled shutdown')],
      invoke: {
        src: 'controlledShutdown',
        input: ({ context }) => ({
          brokerId: context.brokerId!, brokerEpoch: () => BigInt(context.brokerEpoch ?? -1),
          interBrokerProtocolVersion: context.config.getString('inter.broker.protocol.version')!,
          controller: metadataControllerNodeProvider(context.metadataCache!, context.config.interBrokerListenerName),
          maxRetries: context.config.getInt('controlled.shutdown.max.retries'),
          retryBackoffMs: context.config.getLong('controlled.shutdown.retry.backoff.ms'),
          socketTimeoutMs: context.config.getInt('controller.socket.timeout.ms'),
          log: context.log.child({ actor: 'controlledShutdown' }),
        }),
        onDone: { target: 'shuttingDown', actions: ({ context, event }) => { if (!event.output) context.log.warn({ brokerId: context.brokerId }, 'Proceeding to do an unclean shutdown as all the controlled shutdown attempts failed'); } },
        onError: { target: 'shuttingDown', actions: ({ context, event }) => context.log.error({ err: message(event.error) }, 'Controlled shutdown failed; proceeding to do an unclean shutdown') },
      },
      on: { 'zk.failed': { target: 'shuttingDown', actions: [{ type: 'fail', params: ({ event }) => ({ error: event.error }) }, 'logFatal'] } },
    },
    shuttingDown: {
      // KafkaServer.shutdown(): stop taking requests, stop the coordinators, close logs (clean-shutdown
      // markers, locks), then resign and close the ZooKeeper session so ephemerals vanish at once.
      entry: [
        ({ context, event }) => context.log.info({ brokerId: context.brokerId, signal: (event as { signal?: string }).signal }, `[KafkaServer id=${context.brokerId}] shutting down`),
        { type: 'setBrokerState', params: 'SHUTTING_DOWN' },
      ],
      initial: 'stoppingNetwork',
      states: {
        stoppingNetwork: {
          entry: { type: 'forward', params: { id: 'socketServer', event: { type: 'socketServer.stop' } } },
          always: { guard: ({ context }) => !context.started.socketServer, target: 'stoppingCoordinators' },
          on: { 'socketServer.closed': 'stoppingCoordinators' },
          after: { 10_000: 'stoppingCoordinators' },
        },
        stoppingCoordinators: {
          entry: 'stopCoordinators',
          always: 'stoppingLogs',
        },
        stoppingLogs: {
          entry: { type: 'forward', params: { id: 'logManager', event: { type: 'logManager.shutdown' } } },
          always: { guard: ({ context }) => !context.started.logManager, target: 'closingZooKeeper' },
          on: { 'logManager.stopped': 'closingZooKeeper' },
          after: { logShutdownBound: 'closingZooKeeper' },
        },
        closingZooKeeper: {
          invoke: {
            src: 'closeZooKeeper',
            input: ({ context }) => ({ handle: context.handle, brokerId: context.brokerId, sessionTimeoutMs: context.config.zkSessionTimeoutMs, log: context.log }),
            onDone: '#majordomo.stopped',
            onError: '#majordomo.stopped',
          },
        },
      },
    },
    stopped: {
      type: 'final',
      entry: [stopChild('zookeeperClient'), { type: 'setBrokerState', params: 'NOT_RUNNING' },
        ({ context }) => context.log.info({ brokerId: context.brokerId, exitCode: context.exitCode }, `[KafkaServer id=${context.brokerId}] shut down completed`)],
    },
    halted: {
      type: 'final',
      entry: [
        assign({ halted: true }),
        ({ context }) => context.log.fatal({ brokerId: context.brokerId, err: context.error }, context.error ?? 'halt'),
        stopChild('zookeeperClient'),
        ({ context }) => context.handle.close(),
      ],
    },
  },
});
