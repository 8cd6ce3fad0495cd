/**
 * FindCoordinator's wait for a coordinator key (a group id or a transactional id), shared by the group and the
 * transaction coordinators: Kafka's KafkaApis.getCoordinator, which asks the internal topic's partition for the key
 * and answers its leader — plus what Rafka adds: the request may wait up to `waitMs` for the topic's leaders, or for
 * this broker's load of the partition, rather than answer COORDINATOR_NOT_AVAILABLE at once.
 *
 *   - this broker coordinates the key (status NONE)     → this broker
 *   - another live broker leads the key's partition     → that broker (status NOT_COORDINATOR here)
 *   - loading here                                      → wait for the load (polled every 50 ms at most)
 *   - no topic / no leader yet                          → wait for a metadata update with every partition led
 *   - out of time                                       → COORDINATOR_NOT_AVAILABLE (for load/not-coordinator) or the status
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { MetadataView } from './broker-context.js';

export interface CoordinatorKeyspace {
  /** The internal topic (`__consumer_offsets`, `__transaction_state`). */
  topic: string;
  /** The key's partition for a topic of `numPartitions` partitions. */
  partitionFor(key: string, numPartitions: number): number;
  /** This broker's answer for the key now: NONE, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE… */
  status(key: string): number;
  /** The load in progress of the key's partition, if any. */
  loading(key: string): Promise<unknown> | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function awaitCoordinator(metadata: MetadataView, keys: CoordinatorKeyspace, key: string, waitMs: number): Promise<{ errorCode: number; nodeId: number }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const code = keys.status(key);
    if (code === ErrorCode.NONE) return { errorCode: code, nodeId: metadata.brokerId };
    const t = metadata.topic(keys.topic);
    if (code === ErrorCode.NOT_COORDINATOR && t) {
      const p = keys.partitionFor(key, t.partitions.length);
      const leader = t.partitions.find((x) => x.partition === p)?.leader ?? -1;
      if (leader >= 0 && leader !== metadata.brokerId && metadata.brokers().some((b) => b.id === leader)) return { errorCode: ErrorCode.NONE, nodeId: leader };
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const busy = code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || code === ErrorCode.NOT_COORDINATOR;
      return { errorCode: busy ? ErrorCode.COORDINATOR_NOT_AVAILABLE : code, nodeId: -1 };
    }
    if (code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      await Promise.race([keys.loading(key) ?? Promise.resolve(), sleep(Math.min(left, 50))]);
    } else {
      const waited = await metadata.waitFor((m) => {
        const tt = m.topic(keys.topic);
        return !!tt && tt.partitions.every((p) => p.leader >= 0);
      }, Math.min(left, 100));
      // Every partition led already, but not usable here yet (LeaderAndIsr on its way): don't spin.
      if (waited) await sleep(Math.min(Math.max(0, deadline - Date.now()), 20));
    }
  }
}
