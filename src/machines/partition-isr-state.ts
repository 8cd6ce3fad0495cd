/**
 * The leader's ISR state of one partition (Kafka's `kafka.cluster.PartitionState`: CommittedPartitionState,
 * PendingExpandIsr, PendingShrinkIsr) as an XState machine *definition*. A broker leads thousands of partitions, so
 * there is no actor per partition: each Partition (src/services/replication/partition.ts) keeps its state name and
 * advances it with {@link advanceIsrState}, a memoized pure transition of this machine (handed to the service by the
 * majordomo through the ReplicaManager, since services do not import machines). The ISR lists themselves stay in the
 * Partition; this chart decides which changes are legal — one ISR change in flight at a time, as Kafka's
 * `isInflight` check.
 *
 *   committed ──isr.expand──► pendingExpand ──isr.committed / isr.reverted──► committed
 *   committed ──isr.shrink──► pendingShrink ──isr.committed / isr.reverted──► committed
 *   (any) ──leaderAndIsr──► committed            pending* ──isr.retry──► pending* (resubmitted)
 *
 * `isr.committed`: the controller's AlterPartition answer (or the ZooKeeper write) stored the proposed ISR;
 * `isr.reverted`: OPERATION_NOT_ATTEMPTED / INELIGIBLE_REPLICA — back to the last committed ISR; a fencing error
 * (FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION, …) takes no event: the change stays pending until the next
 * LeaderAndIsr, as Kafka's `handleAlterPartitionError`.
 */
import { setup } from 'xstate';
import { pureTransition } from './pure-transition.js';
import type { IsrStateEvent, IsrStateName } from '../services/replication/partition.js';

export type PartitionIsrEvent = { type: IsrStateEvent };

export const partitionIsrStateMachine = setup({
  types: {} as { events: PartitionIsrEvent },
}).createMachine({
  id: 'partitionIsrState',
  initial: 'committed',
  on: { leaderAndIsr: { target: '.committed', reenter: true } },
  states: {
    committed: { on: { 'isr.expand': 'pendingExpand', 'isr.shrink': 'pendingShrink' } },
    pendingExpand: { on: { 'isr.committed': 'committed', 'isr.reverted': 'committed', 'isr.retry': { target: 'pendingExpand', reenter: true } } },
    pendingShrink: { on: { 'isr.committed': 'committed', 'isr.reverted': 'committed', 'isr.retry': { target: 'pendingShrink', reenter: true } } },
  },
});

/** The state after `event` (pure, memoized: see pure-transition.ts); `valid` false: the state refuses the event. */
const isrTransition = pureTransition<IsrStateName, IsrStateEvent>(partitionIsrStateMachine);
export function advanceIsrState(state: IsrStateName, event: IsrStateEvent): { state: IsrStateName; valid: boolean } {
  return isrTransition.advance(state, event);
}
