/**
 * Fetch from follower (KIP-392), the leader's side: Kafka's ReplicaManager.findPreferredReadReplica with the
 * ReplicaSelector plug-in named by `replica.selector.class` (Kafka 3.7.1 ships one: RackAwareReplicaSelector).
 * - only consumer fetches carrying client metadata (Fetch v11+) on the leader, and only with a selector configured;
 * - candidates: the leader, and every follower in the ISR whose log holds the fetch offset (logStartOffset ≤ offset ≤
 *   logEndOffset), each with its log end offset and time since it last caught up;
 * - RackAwareReplicaSelector: the client's rack (`rack_id`, librdkafka/Java `client.rack`) empty → the leader; no
 *   replica in that rack → the leader; the leader in that rack → the leader; else the most caught-up replica of that
 *   rack (ReplicaView.comparator: highest log end offset, then the least time since caught up, then the highest id);
 * - the leader is never returned as preferred (-1 = read from the leader, as the response field's default).
 * A follower then serves the consumer up to its own high watermark (fetch.ts): Kafka's fetchOnlyFromLeader is false
 * for a consumer that sent client metadata.
 * Differs: a broker without an endpoint on the listener is left out rather than offered as Node.noNode().
 */
import { ConfigException } from '../../config/config-exception.js';
import { RACK_AWARE_REPLICA_SELECTOR } from '../../config/defs/replication.js';

export { RACK_AWARE_REPLICA_SELECTOR };

/** Kafka's ReplicaView: one replica of the partition as the selector sees it. */
export interface ReplicaView { brokerId: number; rack: string | null; logEndOffset: bigint; timeSinceLastCaughtUpMs: number }

/** Kafka's ReplicaSelector. */
export interface ReplicaSelector {
  select(clientRack: string, leader: ReplicaView, replicas: readonly ReplicaView[]): ReplicaView | null;
}

/** ReplicaView.comparator: the larger is the better replica. */
export function compareReplicaViews(a: ReplicaView, b: ReplicaView): number {
  if (a.logEndOffset !== b.logEndOffset) return a.logEndOffset < b.logEndOffset ? -1 : 1;
  if (a.timeSinceLastCaughtUpMs !== b.timeSinceLastCaughtUpMs) return b.timeSinceLastCaughtUpMs - a.timeSinceLastCaughtUpMs;
  return a.brokerId - b.brokerId;
}

/** org.apache.kafka.common.replica.RackAwareReplicaSelector. */
export const rackAwareReplicaSelector: ReplicaSelector = {
  select(clientRack, leader, replicas) {
    if (clientRack === '') return leader;
    const sameRack = replicas.filter((r) => r.rack === clientRack);
    if (sameRack.length === 0 || sameRack.includes(leader)) return leader;
    return sameRack.reduce((best, r) => (compareReplicaViews(r, best) > 0 ? r : best));
  },
};

/** ReplicaManager.createReplicaSelector: null when `replica.selector.class` is unset. */
export function createReplicaSelector(className: string | null): ReplicaSelector | null {
  if (className === null || className === '') return null;
  if (className === RACK_AWARE_REPLICA_SELECTOR) return rackAwareReplicaSelector;
  throw new ConfigException('replica.selector.class', className, `Class ${className} cannot be found (Rafka ships ${RACK_AWARE_REPLICA_SELECTOR})`);
}

export interface PreferredReadReplicaInput {
  selector: ReplicaSelector | null;
  clientRack: string;
  leaderId: number;
  leaderLogEndOffset: bigint;
  isr: readonly number[];
  followers: ReadonlyArray<{ brokerId: number; logStartOffset: bigint; logEndOffset: bigint; lastCaughtUpTimeMs: number }>;
  fetchOffset: bigint;
  now: number;
  /** The rack of a live broker with an endpoint on the client's listener; undefined when it has none. */
  rackOf: (brokerId: number) => string | null | undefined;
}

/** ReplicaManager.findPreferredReadReplica (the leader's part): the broker id to read from, or -1 (the leader). */
export function findPreferredReadReplica(i: PreferredReadReplicaInput): number {
  if (i.selector === null) return -1;
  const leaderRack = i.rackOf(i.leaderId);
  const leader: ReplicaView = { brokerId: i.leaderId, rack: leaderRack ?? null, logEndOffset: i.leaderLogEndOffset, timeSinceLastCaughtUpMs: 0 };
  const replicas: ReplicaView[] = [leader];
  for (const f of i.followers) {
    if (!i.isr.includes(f.brokerId) || f.logEndOffset < i.fetchOffset || f.logStartOffset > i.fetchOffset) continue;
    const rack = i.rackOf(f.brokerId);
    if (rack === undefined) continue;
    replicas.push({ brokerId: f.brokerId, rack, logEndOffset: f.logEndOffset, timeSinceLastCaughtUpMs: i.now - f.lastCaughtUpTimeMs });
  }
  const selected = i.selector.select(i.clientRack, leader, replicas);
  return selected === null || selected === leader ? -1 : selected.brokerId;
}
