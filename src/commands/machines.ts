/**
 * `rafka machines --export DIR` — writes every coordinator's state machine as JSON, one file per
 * machine (majordomo.json, zookeeperClient.json, …), for Stately's editor/visualiser and other tools.
 *
 *   --format definition   (default) `machine.toJSON()`: XState's resolved definition — state ids,
 *                         types, initial, transitions with resolved targets, invokes, entry/exit
 *   --format config       `machine.config`: the config as written in src/machines (what the
 *                         inspector sends as `definition`), closest to createMachine(...) source
 *   --list                names, state counts and files, no writing
 *
 * Functions (inline actions, guards, input mappers) become `{ "type": "<name>" }`, as in
 * @statelyai/inspect; the JSON holds no secrets (machines carry no config values).
 */
import { parseArgs } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { AnyStateMachine } from 'xstate';
import { majordomoMachine } from '../machines/majordomo.js';
import { zookeeperClientMachine } from '../machines/zookeeper-client.js';
import { logDirFailureChannelMachine } from '../machines/log-dir-failure-channel.js';
import { featureListenerMachine } from '../machines/feature-listener.js';
import { controllerMachine } from '../machines/controller.js';
import { dynamicConfigMachine } from '../machines/dynamic-config.js';
import { logManagerMachine } from '../machines/log-manager.js';
import { logCleanerMachine } from '../machines/log-cleaner.js';
import { socketServerMachine } from '../machines/socket-server.js';
import { aclAuthorizerMachine } from '../machines/acl-authorizer.js';
import { classicGroupMachine, groupCoordinatorMachine } from '../machines/group-coordinator.js';
import { replicaFetcherMachine, replicaFetcherManagerMachine } from '../machines/replica-fetcher-manager.js';
import { partitionFetchStateMachine } from '../machines/partition-fetch-state.js';
import { replicaAlterLogDirsStateMachine } from '../machines/replica-alter-log-dirs-state.js';
import { partitionIsrStateMachine } from '../machines/partition-isr-state.js';
import { partitionStateMachine } from '../machines/partition-state-machine.js';
import { replicaStateMachine } from '../machines/replica-state-machine.js';
import { transactionCoordinatorMachine } from '../machines/transaction-coordinator.js';
import { transactionStateMachine } from '../machines/transaction-state.js';
import { metricsServerMachine } from '../machines/metrics-server.js';

export const MACHINES: Readonly<Record<string, AnyStateMachine>> = Object.freeze({
  majordomo: majordomoMachine,
  zookeeperClient: zookeeperClientMachine,
  logDirFailureChannel: logDirFailureChannelMachine,
  featureListener: featureListenerMachine,
  controller: controllerMachine,
  dynamicConfig: dynamicConfigMachine,
  logManager: logManagerMachine,
  logCleaner: logCleanerMachine,
  socketServer: socketServerMachine,
  aclAuthorizer: aclAuthorizerMachine,
  groupCoordinator: groupCoordinatorMachine,
  // one consumer group, spawned per group by the coordinator (Kafka's classic GroupMetadata states)
  group: classicGroupMachine,
  replicaFetcherManager: replicaFetcherManagerMachine,
  // one per source broker x num.replica.fetchers, spawned by the ReplicaFetcherManager
  replicaFetcher: replicaFetcherMachine,
  // one state per followed partition, advanced as pure transitions (no actor each)
  partitionFetchState: partitionFetchStateMachine,
  // one state per partition moving between log dirs (-future replica), advanced as pure transitions by the mover
  replicaAlterLogDirsState: replicaAlterLogDirsStateMachine,
  // the leader's ISR state per partition (Kafka's CommittedPartitionState / PendingExpandIsr / PendingShrinkIsr),
  // advanced as pure transitions by each Partition
  partitionIsrState: partitionIsrStateMachine,
  // the controller's per-partition and per-replica states (Kafka's PartitionStateMachine / ReplicaStateMachine),
  // advanced as pure transitions for every partition rather than run as actors
  partitionStateMachine,
  replicaStateMachine,
  transactionCoordinator: transactionCoordinatorMachine,
  // one state per transactional id (Kafka's TransactionState), advanced as pure transitions (no actor each)
  transactionState: transactionStateMachine,
  // metrics.http.listener: /metrics, /healthz, /readyz
  metricsServer: metricsServerMachine,
});

const USAGE = `Usage: rafka machines --export DIR [--format definition|config]
       rafka machines --list

Writes each coordinator's XState machine as JSON, one file per machine:
  ${Object.keys(MACHINES).map((n) => `${n}.json`).join(', ')}

Options:
      --export DIR             directory to write to (created if missing; files are overwritten)
      --format FORMAT          definition (default): machine.toJSON(), XState's resolved definition
                               config: machine.config, the createMachine(...) config as written
      --list                   list the machines and their state counts
  -h, --help                   show this help and exit
`;

export type MachineJsonFormat = 'definition' | 'config';

/** JSON text for a machine; functions become `{ type: name }`, cycles '[Circular]'. */
export function machineJson(machine: AnyStateMachine, format: MachineJsonFormat = 'definition'): string {
  const value: unknown = format === 'config' ? machine.config : machine.toJSON();
  const ancestors: object[] = [];
  return `${JSON.stringify(value, function replacer(this: unknown, _key, v: unknown) {
    if (typeof v === 'function') return { type: v.name || 'anonymous' };
    if (typeof v === 'bigint') return v.toString();
    if (v !== null && typeof v === 'object') {
      // Track the path from the root: a value that is its own ancestor is a cycle.
      while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
      if (ancestors.includes(v)) return '[Circular]';
      ancestors.push(v);
    }
    return v;
  }, 2)}\n`;
}

/** Every state path of a machine ('starting', 'starting.connectingToZooKeeper', …). */
export function statePaths(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const visit = (states: Record<string, { states?: Record<string, unknown> }> | undefined, prefix: string) => {
    for (const [k, s] of Object.entries(states ?? {})) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.push(p);
      visit(s.states as Record<string, { states?: Record<string, unknown> }> | undefined, p);
    }
  };
  visit(machine.config.states as Record<string, { states?: Record<string, unknown> }> | undefined, '');
  return out;
}

export async function run(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        export: { type: 'string' },
        format: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    err(`rafka machines: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) { out(USAGE); return 0; }
  const format = (values.format ?? 'definition') as MachineJsonFormat;
  if (format !== 'definition' && format !== 'config') {
    err(`rafka machines: invalid --format '${values.format}': expected definition or config\n`);
    return 2;
  }
  if (values.list) {
    for (const [name, m] of Object.entries(MACHINES)) out(`${name.padEnd(22)} ${String(statePaths(m).length).padStart(3)} states  ${name}.json\n`);
    return 0;
  }
  if (values.export === undefined || values.export === '') {
    err(`rafka machines: --export DIR is required\n\n${USAGE}`);
    return 2;
  }
  const dir = path.resolve(values.export);
  try {
    await mkdir(dir, { recursive: true });
    for (const [name, m] of Object.entries(MACHINES)) {
      const file = path.join(dir, `${name}.json`);
      await writeFile(file, machineJson(m, format));
      out(`${file}\n`);
    }
  } catch (e) {
    err(`rafka machines: cannot write to ${dir}: ${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}
