/**
 * KafkaController.processAlterPartition (ZooKeeper mode): a partition leader's proposed ISR, checked against the
 * controller's view and written to `/brokers/topics/<t>/partitions/<p>/state` conditional on the partition epoch (the
 * znode version), fenced by the controller epoch. {@link validateAlterPartition} is the per-partition check (pure);
 * {@link processAlterPartition} runs a whole request and reports which partitions changed, so the caller sends
 * UpdateMetadata for them.
 *
 * Differs from Kafka: the controller's view is the last reconciliation's metadata (Kafka's ControllerContext);
 * reassignment completion does not exist here (no reassignments).
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { AlterPartitionRequest, AlterPartitionResponseInput } from '../../protocol/messages/alter-partition.js';
import type { LeaderAndIsrState } from '../replication/alter-partition-types.js';
import type { ClusterMetadata, PartitionMetadata } from './cluster-metadata.js';
import { topicIdToUuid, uuidToTopicId } from './control-requests.js';
import type { LeaderAndIsrZk } from './partition-state-writes.js';
import type { Logger } from '../../logger.js';

const RECOVERING = 1;
const RECOVERED = 0;

export type AlterPartitionDecision =
  | { kind: 'error'; errorCode: number; reason?: string }
  /** Already in the proposed state (a retried request): answer with the current state, write nothing. */
  | { kind: 'current'; state: LeaderAndIsrState }
  | { kind: 'write'; state: LeaderAndIsrState };

const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The checks of tryProcessAlterPartition for one partition, in Kafka's order. `eligible`: brokers that may be in an
 * ISR (registered and not in controlled shutdown: Kafka's liveBrokerIds).
 */
export function validateAlterPartition(current: LeaderAndIsrState | undefined, proposed: LeaderAndIsrState, eligible: ReadonlySet<number>, version: number): AlterPartitionDecision {
  if (!current) return { kind: 'error', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  // A leader ahead of us: this controller is probably stale; let the leader find the new one.
  if (proposed.partitionEpoch > current.partitionEpoch || proposed.leaderEpoch > current.leaderEpoch) return { kind: 'error', errorCode: ErrorCode.NOT_CONTROLLER };
  if (proposed.leaderEpoch < current.leaderEpoch) return { kind: 'error', errorCode: ErrorCode.FENCED_LEADER_EPOCH };
  if (proposed.leader === current.leader && sameList(proposed.isr, current.isr) && proposed.leaderRecoveryState === current.leaderRecoveryState) {
    return { kind: 'current', state: current };
  }
  if (proposed.partitionEpoch < current.partitionEpoch) return { kind: 'error', errorCode: ErrorCode.INVALID_UPDATE_VERSION };
  if (proposed.leaderRecoveryState === RECOVERING && proposed.isr.length > 1) {
    return { kind: 'error', errorCode: ErrorCode.INVALID_REQUEST, reason: 'leader is recovering and the ISR is greater than 1' };
  }
  if (current.leaderRecoveryState === RECOVERED && proposed.leaderRecoveryState === RECOVERING) {
    return { kind: 'error', errorCode: ErrorCode.INVALID_REQUEST, reason: 'the leader recovery state cannot change from RECOVERED to RECOVERING' };
  }
  const ineligible = proposed.isr.filter((r) => !eligible.has(r));
  if (ineligible.length > 0) {
    return { kind: 'error', errorCode: version > 1 ? ErrorCode.INELIGIBLE_REPLICA : ErrorCode.OPERATION_NOT_ATTEMPTED, reason: `ineligible replicas ${JSON.stringify(ineligible)} in the new ISR ${JSON.stringify(proposed.isr)}` };
  }
  return { kind: 'write', state: proposed };
}

export interface AlterPartitionContext {
  metadata: ClusterMetadata;
  brokerEpochs: ReadonlyMap<number, bigint>;
  shuttingDown: ReadonlySet<number>;
  /** The controller's conditional, fenced state write (partition-state-writes.ts); throws ControllerMovedError. */
  write(topic: string, partition: number, state: LeaderAndIsrZk, expectedVersion: number): Promise<number | 'badVersion' | 'noNode'>;
  log?: Logger;
}

export interface AlterPartitionOutcome {
  response: AlterPartitionResponseInput;
  /** Partitions whose state was written, with their new state (to update the view and send UpdateMetadata). */
  updated: Array<{ topic: string; partition: number; state: LeaderAndIsrState }>;
}

const toState = (p: PartitionMetadata): LeaderAndIsrState =>
  ({ leader: p.leader, leaderEpoch: p.leaderEpoch, isr: p.isr, partitionEpoch: p.partitionEpoch, leaderRecoveryState: p.leaderRecoveryState ?? RECOVERED });

/** tryProcessAlterPartition: the broker epoch check, then each partition; answers in the request's topic form (names < v2, ids from v2). */
export async function processAlterPartition(req: AlterPartitionRequest, version: number, ctx: AlterPartitionContext): Promise<AlterPartitionOutcome> {
  const useTopicIds = version > 1;
  const known = ctx.brokerEpochs.get(req.brokerId);
  if (known === undefined || known !== req.brokerEpoch) {
    ctx.log?.info({ brokerId: req.brokerId, brokerEpoch: String(req.brokerEpoch), known: known === undefined ? null : String(known) },
      known === undefined ? `Ignoring AlterPartition due to unknown broker ${req.brokerId}` : `Ignoring AlterPartition due to stale broker epoch ${req.brokerEpoch} (current ${known}) for broker ${req.brokerId}`);
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.STALE_BROKER_EPOCH, topics: [] }, updated: [] };
  }
  const eligible = new Set(ctx.metadata.brokers.map((b) => b.id).filter((id) => !ctx.shuttingDown.has(id)));
  const byName = new Map(ctx.metadata.topics.map((t) => [t.name, t]));
  const byId = new Map(ctx.metadata.topics.filter((t) => t.topicId !== null).map((t) => [t.topicId!, t]));
  type TopicOut = NonNullable<AlterPartitionResponseInput['topics']>[number];
  type PartitionOut = NonNullable<TopicOut['partitions']>[number];
  type Decided = { out: PartitionOut; update?: { topic: string; partition: number; state: LeaderAndIsrState } };
  const outOf = (partitionIndex: number, d: AlterPartitionDecision): PartitionOut => (d.kind === 'error'
    ? { partitionIndex, errorCode: d.errorCode, leaderId: -1, leaderEpoch: -1, isr: [], partitionEpoch: -1 }
    : { partitionIndex, errorCode: 0, leaderId: d.state.leader, leaderEpoch: d.state.leaderEpoch, isr: [...d.state.isr], leaderRecoveryState: d.state.leaderRecoveryState, partitionEpoch: d.state.partitionEpoch });
  // Every partition is decided first and its state write sent at once (Kafka's processAlterPartition hands all of them
  // to one zkClient.updateLeaderAndIsr): one ZooKeeper round trip's worth, not one per partition — a leader expanding
  // the ISR of 384 partitions waited 20 s for its answer at ~25 ms a write (AB, NEWS 01:17). Answers keep request order.
  const shaped: Array<{ head: Record<string, unknown>; partitions: Array<Decided | Promise<Decided>> }> = [];
  for (const t of req.topics) {
    const topic = useTopicIds ? byId.get(uuidToTopicId(t.topicId) ?? '') : byName.get(t.topicName);
    const head = useTopicIds ? { topicId: t.topicId } : { topicName: t.topicName };
    if (useTopicIds && !topic) {
      shaped.push({ head, partitions: t.partitions.map((p) => ({ out: { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, leaderId: -1, leaderEpoch: -1, isr: [], partitionEpoch: -1 } })) });
      continue;
    }
    const partitions: Array<Decided | Promise<Decided>> = [];
    for (const p of t.partitions) {
      const name = topic?.name ?? t.topicName;
      const current = topic?.partitions.find((x) => x.partition === p.partitionIndex);
      const proposed: LeaderAndIsrState = {
        leader: req.brokerId, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, leaderRecoveryState: p.leaderRecoveryState,
        isr: version >= 3 ? p.newIsrWithEpochs.map((b) => b.brokerId) : [...p.newIsr],
      };
      const d = validateAlterPartition(current ? toState(current) : undefined, proposed, eligible, version);
      if (d.kind === 'error' && d.reason) ctx.log?.info({ topic: name, partition: p.partitionIndex, brokerId: req.brokerId }, `Rejecting AlterPartition from node ${req.brokerId} for ${name}-${p.partitionIndex} because ${d.reason}`);
      if (d.kind !== 'write') { partitions.push({ out: outOf(p.partitionIndex, d) }); continue; }
      const s = d.state;
      partitions.push(ctx.write(name, p.partitionIndex, { leader: s.leader, leaderEpoch: s.leaderEpoch, isr: s.isr, leaderRecoveryState: s.leaderRecoveryState }, s.partitionEpoch).then((written): Decided => {
        if (typeof written === 'number') {
          const state: LeaderAndIsrState = { ...s, isr: [...s.isr], partitionEpoch: written };
          ctx.log?.info({ topic: name, partition: p.partitionIndex, isr: s.isr, partitionEpoch: written }, `ISR for partition ${name}-${p.partitionIndex} updated to ${JSON.stringify(s.isr)}`);
          return { out: outOf(p.partitionIndex, { kind: 'current', state }), update: { topic: name, partition: p.partitionIndex, state } };
        }
        ctx.log?.info({ topic: name, partition: p.partitionIndex }, `Failed to update ISR to ${JSON.stringify(s.isr)} for partition ${name}-${p.partitionIndex}, bad ZK version.`);
        return { out: outOf(p.partitionIndex, { kind: 'error', errorCode: ErrorCode.INVALID_UPDATE_VERSION }) };
      }));
    }
    shaped.push({ head: useTopicIds ? { topicId: topicIdToUuid(topic!.topicId) } : head, partitions });
  }
  // a write that throws (ControllerMovedError) fails the whole request, as before; the others were sent anyway
  const settled = await Promise.allSettled(shaped.flatMap((t) => t.partitions));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const topics: TopicOut[] = [];
  const updated: AlterPartitionOutcome['updated'] = [];
  let i = 0;
  for (const t of shaped) {
    const partitions: PartitionOut[] = [];
    for (let j = 0; j < t.partitions.length; j++) {
      const r = (settled[i++] as PromiseFulfilledResult<Decided>).value;
      partitions.push(r.out);
      if (r.update) updated.push(r.update);
    }
    topics.push({ ...t.head, partitions } as TopicOut);
  }
  return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics }, updated };
}
