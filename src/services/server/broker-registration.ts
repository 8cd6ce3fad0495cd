/**
 * Broker registration (KafkaServer.startup step "zkClient.registerBroker(brokerInfo)" and the re-registration after a
 * session expiry): Kafka's duplicate-endpoint requirement, then KafkaZkClient.registerBroker (kafka-zk-client.ts).
 *
 * Differs from Kafka: Kafka waits on ZooKeeper silently (ZooKeeperClient.handleRequests has no timeout). Here a
 * registration that has not finished after `slowAfterMs` reports, and then again every `slowAfterMs`, which
 * ZooKeeper call it waits on and whether the session is connected (issue 11: a restarted broker once sat in
 * registeringBroker for 60 s with no line at all). No report while the process is stuck means the event loop was
 * blocked, not ZooKeeper.
 */
import type { ZkSession } from '../zookeeper/zk-session.js';
import { BrokerIdZNode, ZkPaths, type BrokerInfo } from '../zookeeper/zk-data.js';
import { registerBroker } from '../zookeeper/kafka-zk-client.js';
import { checkEndpointsUnregistered } from './broker-metadata.js';

export interface SlowRegistration {
  /** The ZooKeeper call in flight, e.g. "creating ephemeral /brokers/ids/3". */
  step: string;
  elapsedMs: number;
  connected: boolean;
  sessionId: string;
}

export interface RegistrationOptions {
  /** How long to wait for a crashed earlier process's registration to expire (kafka-zk-client.ts registerBroker). */
  staleWaitMs: number;
  signal?: AbortSignal;
  onWaiting?: (owner: string) => void;
  /** First report after this long, then one per interval (default 10 s). */
  slowAfterMs?: number;
  onSlow?: (s: SlowRegistration) => void;
}

/** Registers /brokers/ids/<id>; returns the broker epoch (czxid). */
export async function registerBrokerInZooKeeper(zk: ZkSession, info: BrokerInfo, previousSessionIds: string[], opts: RegistrationOptions): Promise<bigint> {
  const started = Date.now();
  let step = 'reading /brokers/ids (advertised endpoints already registered?)';
  const report = opts.onSlow;
  const timer = report
    ? setInterval(() => report({ step, elapsedMs: Date.now() - started, connected: zk.isConnected, sessionId: zk.sessionId }), opts.slowAfterMs ?? 10_000)
    : null;
  timer?.unref(); // never what keeps a process alive
  const stop = () => { if (timer) clearInterval(timer); };
  opts.signal?.addEventListener('abort', stop, { once: true }); // a shutdown ends the reports even if ZooKeeper never answers
  try {
    await checkEndpointsUnregistered(zk, info);
    return await registerBroker(zk, info, previousSessionIds, {
      staleWaitMs: opts.staleWaitMs, signal: opts.signal, onWaiting: opts.onWaiting, onStep: (s) => { step = s; },
    });
  } finally {
    stop();
    opts.signal?.removeEventListener('abort', stop);
  }
}

/**
 * KafkaController.updateBrokerInfo → KafkaZkClient.updateBrokerInfo (DynamicListenerConfig.reconfigure after listeners
 * or advertised listeners changed): the broker's znode gets the new endpoints in place (setData, any version), so its
 * broker epoch (the czxid) stays; the controller's data watch on /brokers/ids/<id> (BrokerModificationsHandler) sends
 * every broker the new endpoints. Never rejects: a failure is returned (the next session re-registration writes them).
 */
export async function updateBrokerInfo(zk: ZkSession, info: BrokerInfo): Promise<Error | null> {
  try {
    await zk.setData(ZkPaths.brokerIdPath(info.id), BrokerIdZNode.encode(info), -1);
    return null;
  } catch (e) {
    return e as Error;
  }
}
