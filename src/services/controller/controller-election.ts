import zookeeper from 'node-zookeeper-client';
import type { ZkSession, ZkEvent } from '../zookeeper/zk-session.js';
import type { ZkHandle } from '../zookeeper/zk-handle.js';
import { getControllerId, tryElectController, ensureFeatureZNode, deleteControllerIfOwned } from '../zookeeper/kafka-zk-client.js';

const NODE_CREATED = zookeeper.Event.NODE_CREATED;

export interface ElectionResult { controllerId: number | null; epoch: number; epochZkVersion: number }

/**
 * One election round (KafkaController.elect): arm the /controller watch, and if nobody holds it,
 * try to take it. The winner sets up /feature as Kafka's controller does on failover.
 * `onChange` fires once per watch when /controller is created, changed or deleted.
 */
export async function electController(zk: ZkSession, brokerId: number, onChange: () => void): Promise<ElectionResult> {
  let fired = false;
  // NodeCreated is ignored: it is either our own win, or a rival's, which our multi then reports.
  const watcher = (e: ZkEvent) => {
    if (fired || e.getType() === NODE_CREATED) return;
    fired = true;
    onChange();
  };
  const current = await getControllerId(zk, watcher);
  if (current !== null) return { controllerId: current, ...(await readEpoch(zk)) };
  const r = await tryElectController(zk, brokerId);
  if (r.elected) await ensureFeatureZNode(zk);
  // Re-arm the watch on the node that now exists (the first watch saw "no node").
  const after = await getControllerId(zk, watcher);
  return { controllerId: after, epoch: r.epoch, epochZkVersion: r.epochZkVersion };
}

async function readEpoch(zk: ZkSession): Promise<{ epoch: number; epochZkVersion: number }> {
  const node = await zk.getDataOrNull('/controller_epoch');
  return node ? { epoch: Number.parseInt(node.data?.toString() ?? '0', 10), epochZkVersion: node.stat.version } : { epoch: 0, epochZkVersion: -1 };
}

/** On clean shutdown: give up /controller at once so another broker takes over without waiting for expiry. */
export async function resignController(handle: ZkHandle, brokerId: number): Promise<void> {
  if (!handle.hasSession || !handle.current.isConnected) return;
  await deleteControllerIfOwned(handle.current, brokerId);
}
