/**
 * Rack-unaware replica assignment as Kafka's AdminUtils.assignReplicasToBrokers does it: a random
 * start broker, replicas spread by a shift that grows every full round, so leaders and followers
 * are balanced across brokers.
 */
export class InvalidReplicationFactorError extends Error { override name = 'InvalidReplicationFactorError'; }
export class InvalidPartitionsError extends Error { override name = 'InvalidPartitionsError'; }
export class InvalidReplicaAssignmentError extends Error { override name = 'InvalidReplicaAssignmentError'; }

export function assignReplicasToBrokers(
  nPartitions: number, replicationFactor: number, brokerIds: number[],
  random: (n: number) => number = (n) => Math.floor(Math.random() * n),
  /** CreatePartitions: a fixed start (also the first shift) and the first new partition id, as Kafka's addPartitions. */
  opts: { fixedStartIndex?: number; startPartitionId?: number } = {},
): Map<number, number[]> {
  if (nPartitions <= 0) throw new InvalidPartitionsError('Number of partitions must be larger than 0.');
  if (replicationFactor <= 0) throw new InvalidReplicationFactorError('Replication factor must be larger than 0.');
  if (replicationFactor > brokerIds.length) {
    throw new InvalidReplicationFactorError(`Replication factor: ${replicationFactor} larger than available brokers: ${brokerIds.length}.`);
  }
  const brokers = [...brokerIds].sort((a, b) => a - b);
  const n = brokers.length;
  const fixed = opts.fixedStartIndex ?? -1;
  const startIndex = fixed >= 0 ? fixed : random(n);
  let nextReplicaShift = fixed >= 0 ? fixed : random(n);
  const out = new Map<number, number[]>();
  const firstPartition = Math.max(0, opts.startPartitionId ?? 0);
  for (let p = firstPartition; p < firstPartition + nPartitions; p++) {
    if (p > 0 && p % n === 0) nextReplicaShift++;
    const first = (p + startIndex) % n;
    const replicas = [brokers[first]];
    for (let j = 0; j < replicationFactor - 1; j++) {
      const shift = 1 + ((nextReplicaShift + j) % (n - 1));
      replicas.push(brokers[(first + shift) % n]);
    }
    out.set(p, replicas);
  }
  return out;
}
