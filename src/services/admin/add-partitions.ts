/**
 * CreatePartitions' assignment step, as Kafka's ZkAdminManager.createPartitions + AdminZkClient
 * .createNewPartitionsAssignment: the count must grow; a given assignment names known brokers, one replica list
 * per new partition, each with partition 0's replication factor and no duplicates; otherwise new partitions are
 * spread (rack-aware when the brokers have racks) starting at the broker of partition 0's first replica. Errors carry
 * Kafka's messages.
 */
import { assignReplicas, type BrokerMetadata, InvalidPartitionsError, InvalidReplicaAssignmentError } from './replica-assignment.js';

export class BrokerNotAvailableError extends Error { override name = 'BrokerNotAvailableError'; }
export class ReassignmentInProgressError extends Error { override name = 'ReassignmentInProgressError'; }

/** The replica lists of the partitions to add (keyed by their ids), given the existing assignment. */
export function newPartitionsAssignment(
  existing: Map<number, number[]>, brokers: Array<number | BrokerMetadata>, count: number, given: number[][] | null,
): Map<number, number[]> {
  const metas = brokers.map((b) => (typeof b === 'number' ? { id: b, rack: null } : b)).sort((a, b) => a.id - b.id);
  const brokerIds = metas.map((b) => b.id);
  const increment = count - existing.size;
  if (increment < 0) throw new InvalidPartitionsError(`Topic currently has ${existing.size} partitions, which is higher than the requested ${count}.`);
  if (increment === 0) throw new InvalidPartitionsError(`Topic already has ${existing.size} partitions.`);
  const partition0 = existing.get(0);
  if (!partition0) throw new InvalidReplicaAssignmentError(`Unexpected existing replica assignment, partition id 0 is missing. Assignment: ${JSON.stringify(Object.fromEntries(existing))}`);
  const live = new Set(brokerIds);
  if (given === null) {
    // Kafka indexes the id-sorted broker list even when the rack-aware path then walks its rack-alternated list.
    const startIndex = Math.max(0, brokerIds.findIndex((id) => id >= partition0[0]!));
    return assignReplicas(metas, increment, partition0.length, undefined, { fixedStartIndex: startIndex, startPartitionId: existing.size });
  }
  const unknown = [...new Set(given.flat())].filter((b) => !live.has(b));
  if (unknown.length > 0) throw new InvalidReplicaAssignmentError(`Unknown broker(s) in replica assignment: ${unknown.join(', ')}.`);
  if (given.length !== increment) throw new InvalidReplicaAssignmentError(`Increasing the number of partitions by ${increment} but ${given.length} assignments provided.`);
  const proposed = new Map(given.map((replicas, i): [number, number[]] => [existing.size + i, replicas]));
  validateReplicaAssignment(proposed, partition0.length, live);
  return proposed;
}

/** AdminZkClient.validateReplicaAssignment. */
function validateReplicaAssignment(a: Map<number, number[]>, expectedReplicationFactor: number, live: Set<number>): void {
  for (const [p, replicas] of a) {
    if (replicas.length === 0) throw new InvalidReplicaAssignmentError(`Cannot have replication factor of 0 for partition id ${p}.`);
    if (new Set(replicas).size !== replicas.length) throw new InvalidReplicaAssignmentError(`Duplicate brokers not allowed in replica assignment: ${replicas.join(', ')} for partition id ${p}.`);
    if (!replicas.every((r) => live.has(r))) {
      throw new BrokerNotAvailableError(`Some brokers specified for partition id ${p} are not available. Specified brokers: ${replicas.join(', ')}, available brokers: ${[...live].join(', ')}.`);
    }
  }
  const bad = [...a].filter(([, r]) => r.length !== expectedReplicationFactor).sort((x, y) => x[0] - y[0]);
  if (bad.length > 0) {
    throw new InvalidReplicaAssignmentError(`Inconsistent replication factor between partitions, partition 0 has ${expectedReplicationFactor} while partitions [${
      bad.map(([p]) => p).join(', ')}] have replication factors [${bad.map(([, r]) => r.length).join(', ')}], respectively.`);
  }
}
