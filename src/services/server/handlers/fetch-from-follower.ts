/**
 * KIP-392 in the Fetch handler: the leader's choice of a preferred read replica for a consumer (Kafka's
 * ReplicaManager.findPreferredReadReplica, called from readFromLog for fetches with client metadata), with the
 * selector of `replica.selector.class` (replica-selector.ts) and the racks of the live brokers from the metadata.
 * As Kafka (metadataCache.getPartitionReplicaEndpoints for the client's listener), a follower without an endpoint on
 * the listener the consumer's request came in on is never offered.
 */
import type { KafkaConfig } from '../../../config/kafka-config.js';
import type { BrokerContext, LeaderPartition, PartitionLog } from '../broker-context.js';
import { createReplicaSelector, findPreferredReadReplica, type ReplicaSelector } from '../../replication/replica-selector.js';

const selectors = new WeakMap<KafkaConfig, ReplicaSelector | null>();

function selectorOf(config: KafkaConfig): ReplicaSelector | null {
  let s = selectors.get(config);
  if (s === undefined) {
    try { s = createReplicaSelector(config.getString('replica.selector.class')); } catch { s = null; }
    selectors.set(config, s);
  }
  return s;
}

/** The broker id a consumer should fetch from instead of this leader, or -1. */
export function preferredReadReplica(ctx: BrokerContext, partition: LeaderPartition, log: PartitionLog, clientRack: string, fetchOffset: bigint, listenerName = ''): number {
  const selector = selectorOf(ctx.config());
  if (selector === null || !partition.followerStates) return -1;
  const brokers = ctx.metadata.brokers();
  return findPreferredReadReplica({
    selector, clientRack, fetchOffset, now: Date.now(),
    leaderId: ctx.metadata.brokerId, leaderLogEndOffset: log.logEndOffset, isr: partition.isr ?? [], followers: partition.followerStates(),
    rackOf: (id) => {
      const b = brokers.find((x) => x.id === id);
      const listener = listenerName.toUpperCase();
      if (!b || (listener !== '' && !b.endpoints.some((e) => e.listenerName.toUpperCase() === listener))) return undefined;
      return b.rack;
    },
  });
}
