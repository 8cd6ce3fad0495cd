/**
 * Replica assignment as Kafka's AdminUtils.assignReplicasToBrokers (server-common, 3.7.1) does it:
 * - no broker has a rack: rack-unaware — a random start broker, replicas spread by a shift that grows every
 *   full round, so leaders and followers are balanced across brokers;
 * - every broker has a rack: rack-aware — the brokers are arranged in a rack-alternated list
 *   (getRackAlternatedBrokerList), leaders go round-robin over it and each further replica prefers a rack and
 *   a broker that has none yet;
 * - some have a rack and some not: AdminOperationError (Kafka's AdminOperationException message).
 * Brokers are taken sorted by id, as Kafka's callers (metadata cache / AdminZkClient.getBrokerMetadatas) give them.
 */
export class InvalidReplicationFactorError extends Error { override name = 'InvalidReplicationFactorError'; }
export class InvalidPartitionsError extends Error { override name = 'InvalidPartitionsError'; }
export class InvalidReplicaAssignmentError extends Error { override name = 'InvalidReplicaAssignmentError'; }
/** Kafka's AdminOperationException: not an ApiException, so CreateTopics answers UNKNOWN_SERVER_ERROR with it. */
export class AdminOperationError extends Error { override name = 'AdminOperationError'; }

/** Kafka's BrokerMetadata (id and optional rack). */
export interface BrokerMetadata { id: number; rack: string | null }

type Random = (n: number) => number;
const defaultRandom: Random = (n) => Math.floor(Math.random() * n);

/** Rack-unaware entry point on bare ids (kept for callers without rack information: `rafka reassign --generate`). */
export function assignReplicasToBrokers(
  nPartitions: number, replicationFactor: number, brokerIds: number[],
  random: Random = defaultRandom,
  /** CreatePartitions: a fixed start (also the first shift) and the first new partition id, as Kafka's addPartitions. */
  opts: { fixedStartIndex?: number; startPartitionId?: number } = {},
): Map<number, number[]> {
  return assignReplicas(brokerIds.map((id) => ({ id, rack: null })), nPartitions, replicationFactor, random, opts);
}

/** AdminUtils.assignReplicasToBrokers(brokerMetadatas, nPartitions, replicationFactor, fixedStartIndex, startPartitionId). */
export function assignReplicas(
  brokerMetadatas: BrokerMetadata[], nPartitions: number, replicationFactor: number,
  random: Random = defaultRandom,
  opts: { fixedStartIndex?: number; startPartitionId?: number } = {},
): Map<number, number[]> {
  if (nPartitions <= 0) throw new InvalidPartitionsError('Number of partitions must be larger than 0.');
  if (replicationFactor <= 0) throw new InvalidReplicationFactorError('Replication factor must be larger than 0.');
  if (replicationFactor > brokerMetadatas.length) {
    throw new InvalidReplicationFactorError(`Replication factor: ${replicationFactor} larger than available brokers: ${brokerMetadatas.length}.`);
  }
  const sorted = [...brokerMetadatas].sort((a, b) => a.id - b.id);
  if (sorted.every((b) => b.rack === null)) return rackUnaware(nPartitions, replicationFactor, sorted.map((b) => b.id), random, opts);
  if (sorted.some((b) => b.rack === null)) throw new AdminOperationError('Not all brokers have rack information for replica rack aware assignment.');
  return rackAware(nPartitions, replicationFactor, new Map(sorted.map((b) => [b.id, b.rack!])), random, opts);
}

type AssignOptions = { fixedStartIndex?: number; startPartitionId?: number };

/**
 * The walk both of Kafka's assignments share: each partition from startPartitionId on, with the index (in a list of
 * `n` brokers) of its first replica — (partition + startIndex) mod n — and the shift of the further replicas, which
 * grows by one each time the walk wraps around the list. Start index and first shift: fixedStartIndex, else random.
 */
function* partitionWalk(nPartitions: number, n: number, random: Random, opts: AssignOptions): Generator<{ partition: number; first: number; shift: number }> {
  const fixed = opts.fixedStartIndex ?? -1;
  const startIndex = fixed >= 0 ? fixed : random(n);
  let shift = fixed >= 0 ? fixed : random(n);
  const firstPartition = Math.max(0, opts.startPartitionId ?? 0);
  for (let p = firstPartition; p < firstPartition + nPartitions; p++) {
    if (p > 0 && p % n === 0) shift++;
    yield { partition: p, first: (p + startIndex) % n, shift };
  }
}

function rackUnaware(nPartitions: number, replicationFactor: number, brokers: number[], random: Random, opts: AssignOptions): Map<number, number[]> {
  const n = brokers.length;
  const out = new Map<number, number[]>();
  for (const { partition, first, shift } of partitionWalk(nPartitions, n, random, opts)) {
    const replicas = [brokers[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(brokers[replicaIndex(first, shift, j, n)]!);
    out.set(partition, replicas);
  }
  return out;
}

function rackAware(nPartitions: number, replicationFactor: number, rackOf: Map<number, string>, random: Random, opts: AssignOptions): Map<number, number[]> {
  const numRacks = new Set(rackOf.values()).size;
  const arranged = rackAlternatedBrokerList(rackOf);
  const n = arranged.length;
  const out = new Map<number, number[]>();
  for (const { partition, first, shift } of partitionWalk(nPartitions, n, random, opts)) {
    const leader = arranged[first]!;
    const replicas = [leader];
    const racksWithReplicas = new Set([rackOf.get(leader)!]);
    const brokersWithReplicas = new Set([leader]);
    let k = 0;
    for (let j = 0; j < replicationFactor - 1; j++) {
      for (;;) {
        const broker = arranged[replicaIndex(first, shift * numRacks, k, n)]!;
        const rack = rackOf.get(broker)!;
        k++;
        // Skip a broker whose rack already has a replica while some rack has none, or that already has one while
        // some broker has none.
        if ((!racksWithReplicas.has(rack) || racksWithReplicas.size === numRacks)
          && (!brokersWithReplicas.has(broker) || brokersWithReplicas.size === n)) {
          replicas.push(broker); racksWithReplicas.add(rack); brokersWithReplicas.add(broker);
          break;
        }
      }
    }
    out.set(partition, replicas);
  }
  return out;
}

/** AdminUtils.getRackAlternatedBrokerList: racks sorted by name, each rack's brokers by id, taken one per rack in turn. */
export function rackAlternatedBrokerList(rackOf: Map<number, string>): number[] {
  const byRack = new Map<string, number[]>();
  for (const [id, rack] of rackOf) {
    const l = byRack.get(rack);
    if (l) l.push(id); else byRack.set(rack, [id]);
  }
  const racks = [...byRack.keys()].sort();
  const iters = racks.map((r) => byRack.get(r)!.sort((a, b) => a - b));
  const pos = racks.map(() => 0);
  const out: number[] = [];
  for (let i = 0; out.length < rackOf.size; i = (i + 1) % racks.length) {
    if (pos[i]! < iters[i]!.length) out.push(iters[i]![pos[i]!++]!);
  }
  return out;
}

/** AdminUtils.replicaIndex. */
function replicaIndex(firstReplicaIndex: number, secondReplicaShift: number, replicaIdx: number, nBrokers: number): number {
  const shift = 1 + ((secondReplicaShift + replicaIdx) % (nBrokers - 1));
  return (firstReplicaIndex + shift) % nBrokers;
}
