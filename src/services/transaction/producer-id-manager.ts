/**
 * ProducerIdManager (Kafka `ZkProducerIdManager`): hands out producer ids from a block claimed in ZooKeeper
 * (`/latest_producer_id_block`, see zk-producer-id-block.ts), claiming the next block when this one is used up.
 * Concurrent callers share one block claim. Unlike Kafka, the first block is claimed on the first InitProducerId,
 * not at broker startup, so a broker no idempotent producer talks to never writes the znode.
 */
import type { Logger } from '../../logger.js';
import type { ProducerIdBlock } from '../zookeeper/zk-data-topics.js';

export class ProducerIdManager {
  private block: ProducerIdBlock | null = null;
  private nextProducerId = 0;
  private claiming: Promise<void> | null = null;

  constructor(private readonly brokerId: number, private readonly claimBlock: () => Promise<ProducerIdBlock>, private readonly log?: Logger) {}

  /** The current block (null before the first claim). */
  get currentBlock(): ProducerIdBlock | null {
    return this.block;
  }

  /** A producer id never handed out before by any broker of the cluster; rejects if no block could be claimed. */
  async generateProducerId(): Promise<bigint> {
    while (this.block === null || this.nextProducerId > this.block.blockEnd) await this.allocateNewProducerIdBlock();
    return BigInt(this.nextProducerId++);
  }

  private allocateNewProducerIdBlock(): Promise<void> {
    this.claiming ??= this.claimBlock()
      .then((b) => {
        this.block = b;
        this.nextProducerId = b.blockStart;
        this.log?.info({ brokerId: this.brokerId, blockStart: b.blockStart, blockEnd: b.blockEnd }, `Acquired new producerId block [${b.blockStart}, ${b.blockEnd}] for broker ${this.brokerId}`);
      })
      .finally(() => { this.claiming = null; });
    return this.claiming;
  }
}
