/**
 * The state machines that are *definitions*, not actors: thousands of partitions / replicas each keep a state name
 * and advance it with a memoized pure transition of the definition, so no actor exists to be inspected. The viewer
 * learns them from the `@rafka.hello` message and draws their charts (with the current count per state where the
 * advancing actor keeps one in its context: the controller's `stateCounts`).
 */
import type { AnyStateMachine } from 'xstate';
import { definitionJson } from './events.js';
import { partitionStateMachine } from '../machines/partition-state-machine.js';
import { replicaStateMachine } from '../machines/replica-state-machine.js';
import { partitionFetchStateMachine } from '../machines/partition-fetch-state.js';
import { partitionIsrStateMachine } from '../machines/partition-isr-state.js';
import { replicaAlterLogDirsStateMachine } from '../machines/replica-alter-log-dirs-state.js';

/** One definition as the hello message carries it. */
export interface EntityDefinition {
  name: string;
  /** Which actor (or service) advances it, and for what: shown under the chart. */
  advancedBy: string;
  /** JSON of the machine config (as `@xstate.actor`'s definition). */
  definition: string;
  /** Where the count per state lives: the context path of the named actor (absent: not counted). */
  counts?: { actor: string; path: string[] };
}

export function entityDefinition(name: string, machine: AnyStateMachine, advancedBy: string, counts?: EntityDefinition['counts']): EntityDefinition {
  return { name, advancedBy, definition: definitionJson(machine.config, name), ...(counts ? { counts } : {}) };
}

/** The broker's per-entity definitions (the same machines `rafka machines --export` writes). */
export function brokerEntityDefinitions(): EntityDefinition[] {
  return [
    entityDefinition('partitionStateMachine', partitionStateMachine, 'the controller, per partition (Kafka PartitionStateMachine)', { actor: 'controller', path: ['stateCounts', 'partitions'] }),
    entityDefinition('replicaStateMachine', replicaStateMachine, 'the controller, per replica (Kafka ReplicaStateMachine)', { actor: 'controller', path: ['stateCounts', 'replicas'] }),
    entityDefinition('partitionIsrState', partitionIsrStateMachine, 'each led Partition (Kafka PartitionState: committed / pending ISR change)'),
    entityDefinition('partitionFetchState', partitionFetchStateMachine, 'each replicaFetcher, per followed partition (Kafka PartitionFetchState)'),
    entityDefinition('replicaAlterLogDirsState', replicaAlterLogDirsStateMachine, 'the replicaAlterLogDirsManager, per partition moving between log dirs (Kafka ReplicaAlterLogDirsThread)'),
  ];
}
