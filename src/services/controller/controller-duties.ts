/**
 * What the active controller does while it is active: watch brokers, topics and deletions; reconcile after each
 * change (never two at once); and tell the brokers the outcome — the other live brokers over the
 * ControllerChannelManager, its own broker in-process through `onLocal` (both get the same requests).
 */
import type { Logger } from '../../logger.js';
import type { ZkHandle } from '../zookeeper/zk-handle.js';
import { reconcile, watchControllerPaths, ControllerMovedError, type ReconcileResult } from './controller-reconcile.js';
import { buildRequestBatch, newBrokerIds, type ControllerView } from './controller-request-batch.js';
import { ControllerChannelManager, type ControlResponse } from './controller-channel-manager.js';
import type { BrokerRequests } from './control-requests.js';

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
}

export interface ControllerDutiesEvents {
  /** After each reconciliation: the requests for the controller's own broker (null: nothing for it). */
  onReconciled(result: ReconcileResult, local: BrokerRequests | null): void;
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
  let stopped = false, running = false, again = false;
  let sent: ControllerView | null = null;

  const tell = (result: ReconcileResult): BrokerRequests | null => {
    const view: ControllerView = { metadata: result.metadata, brokerEpochs: result.brokerEpochs, deletions: result.deletions };
    if (result.deletionsPending.length > 0) input.log.info({ topics: result.deletionsPending }, 'Topic deletion waits for replicas on brokers that are down');
    const started = newBrokerIds(sent, view);
    const gone = (sent?.metadata.brokers ?? []).filter((b) => !view.brokerEpochs.has(b.id)).map((b) => b.id);
    if (sent && (started.length > 0 || gone.length > 0)) {
      input.log.info({ newBrokers: started, deadBrokers: gone }, `Brokers changed: started ${JSON.stringify(started)}, failed ${JSON.stringify(gone)}`);
    }
    const batch = buildRequestBatch(sent, view, input.channel.listenerName);
    channels.updateBrokers(result.metadata.brokers.map((info) => ({ info, epoch: result.brokerEpochs.get(info.id) ?? -1n })));
    for (const [brokerId, requests] of batch) if (brokerId !== input.brokerId) channels.send(brokerId, requests);
    sent = view;
    return batch.get(input.brokerId) ?? null;
  };

  // One function for every topic's data watch (ZooKeeper keeps a single registration per path and function).
  const onTopicChange = () => void run();
  const run = async (): Promise<void> => {
    if (stopped) return;
    if (running) { again = true; return; }
    running = true;
    try {
      const zk = input.handle.current;
      await watchControllerPaths(zk, () => void run());
      const result = await reconcile(zk, { brokerId: input.brokerId, epoch: input.epoch, epochZkVersion: input.epochZkVersion }, { deleteTopicEnable: input.deleteTopicEnable, onTopicChange });
      if (!stopped) events.onReconciled(result, tell(result));
    } catch (e) {
      if (e instanceof ControllerMovedError) { if (!stopped) events.onMoved(e.message); return; }
      input.log.warn({ err: (e as Error).message }, 'Controller reconciliation failed; retrying');
      if (!stopped) setTimeout(() => void run(), 1000).unref();
    } finally {
      running = false;
      if (again && !stopped) { again = false; void run(); }
    }
  };
  void run();
  return () => { stopped = true; channels.close(); };
}
