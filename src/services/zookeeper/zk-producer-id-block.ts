/**
 * Producer id blocks in ZooKeeper mode (Kafka `ZkProducerIdManager.getNewProducerIdBlock`): the last block handed
 * out is `/latest_producer_id_block` (`{"version":1,"broker":<id>,"block_start":"<n>","block_end":"<n>"}`); a broker
 * takes the next {@link PRODUCER_ID_BLOCK_SIZE} ids by a setData conditional on the znode version it read, and
 * re-reads and retries when another broker won the race. Blocks are therefore disjoint across brokers.
 */
import { ZkCode, isZkError, type ZkSession } from './zk-session.js';
import { retryUntilConnected } from './kafka-zk-client.js';
import { ProducerIdBlockZNode, type ProducerIdBlock } from './zk-data-topics.js';

/** Kafka `ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE`. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

export class ProducerIdsExhaustedError extends Error { override name = 'ProducerIdsExhaustedError'; }

/** The block after `current` (the first block starts at 0). */
export function nextProducerIdBlock(brokerId: number, current: ProducerIdBlock | null): ProducerIdBlock {
  const start = current === null ? 0 : current.blockEnd + 1;
  // Kafka's limit is Long.MAX_VALUE; ids here are JS numbers, exact up to 2^53.
  if (start + PRODUCER_ID_BLOCK_SIZE - 1 > Number.MAX_SAFE_INTEGER) {
    throw new ProducerIdsExhaustedError(`Have exhausted all producerIds (current block end producerId is ${current?.blockEnd})`);
  }
  return { broker: brokerId, blockStart: start, blockEnd: start + PRODUCER_ID_BLOCK_SIZE - 1 };
}

/**
 * Claim the next producer id block for `brokerId`. The znode is created by createTopLevelPaths (empty); if it is
 * missing it is created here. `onConflict` is told about each lost race (for logs and tests).
 */
export async function getNewProducerIdBlock(zk: ZkSession, brokerId: number, onConflict?: (version: number) => void): Promise<ProducerIdBlock> {
  const path = ProducerIdBlockZNode.path;
  for (;;) {
    const current = await retryUntilConnected(zk, () => zk.getDataOrNull(path));
    const block = nextProducerIdBlock(brokerId, current === null ? null : ProducerIdBlockZNode.decode(current.data));
    const data = ProducerIdBlockZNode.encode(block);
    try {
      if (current === null) await retryUntilConnected(zk, () => zk.create(path, data));
      else await retryUntilConnected(zk, () => zk.setData(path, data, current.stat.version));
      return block;
    } catch (e) {
      if (!isZkError(e, ZkCode.BAD_VERSION) && !isZkError(e, ZkCode.NODE_EXISTS) && !isZkError(e, ZkCode.NO_NODE)) throw e;
      onConflict?.(current?.stat.version ?? -1);
    }
  }
}
