/** `rafka machines --export DIR`: through the real bin (built dist) and through run() directly. */
import { describe, it, expect, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, machineJson, statePaths, MACHINES } from '../../src/commands/machines.js';
import { RAFKA_BIN } from '../helpers/broker-process.js';

const exec = promisify(execFile);
const dirs: string[] = [];
const tmp = async () => { const d = await mkdtemp(join(tmpdir(), 'rafka-machines-')); dirs.push(d); return d; };
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

const NAMES = [
  'majordomo', 'zookeeperClient', 'logDirFailureChannel', 'featureListener', 'controller', 'dynamicConfig',
  'logManager', 'logCleaner', 'socketServer', 'aclAuthorizer', 'groupCoordinator', 'group', 'replicaFetcherManager', 'replicaFetcher', 'partitionFetchState', 'replicaAlterLogDirsState', 'partitionIsrState',
  'partitionStateMachine', 'replicaStateMachine', 'transactionCoordinator', 'transactionState', 'metricsServer',
];

/** Every state key anywhere under `states`. */
function stateKeys(node: { states?: Record<string, unknown> }, out: string[] = []): string[] {
  for (const [k, s] of Object.entries(node.states ?? {})) { out.push(k); stateKeys(s as { states?: Record<string, unknown> }, out); }
  return out;
}

describe('rafka machines', () => {
  it('--export DIR writes one parseable definition per machine with its states (real bin)', async () => {
    const dir = await tmp();
    const target = join(dir, 'out', 'nested');
    const { stdout } = await exec(process.execPath, [RAFKA_BIN, 'machines', '--export', target]);
    expect(stdout.trim().split('\n')).toEqual(NAMES.map((n) => join(target, `${n}.json`)));
    expect((await readdir(target)).sort()).toEqual(NAMES.map((n) => `${n}.json`).sort());
    const major = JSON.parse(await readFile(join(target, 'majordomo.json'), 'utf8'));
    expect(major).toMatchObject({ id: 'majordomo', key: 'majordomo', type: 'compound' });
    expect(major.initial.target).toEqual(['#majordomo.starting']);
    expect(stateKeys(major)).toEqual(expect.arrayContaining(['starting', 'connectingToZooKeeper', 'gettingClusterId', 'registeringBroker', 'running', 'serving', 'reregistering', 'shuttingDown', 'stopped', 'halted']));
    expect(major.states.stopped.type).toBe('final');
    expect(major.states.starting.states.gettingClusterId.invoke[0].src).toBe('getClusterId');
    const zk = JSON.parse(await readFile(join(target, 'zookeeperClient.json'), 'utf8'));
    expect(zk.states.session.states.watching.on['zk.disconnected'][0].target).toEqual(['#zookeeperClient.session.degraded']);
    const expectStates: Record<string, string[]> = {
      logDirFailureChannel: ['idle', 'checking', 'notifying', 'allOffline'],
      featureListener: ['initializing', 'watching', 'reading', 'incompatible', 'failed'],
      controller: ['electing', 'retrying', 'decided', 'active', 'standby', 'resigning', 'resigned'],
      dynamicConfig: ['processing', 'retrying', 'watching'],
      logManager: ['validatingDirs', 'created', 'loadingLogs', 'running', 'shuttingDown'],
      logCleaner: ['checkingEnabled', 'starting', 'cleaning', 'idle', 'backingOff', 'stopping', 'stopped', 'disabled'],
      socketServer: ['binding', 'listening', 'draining', 'closed', 'failed'],
      groupCoordinator: ['loading', 'running', 'stopped'],
      group: ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'],
      partitionStateMachine: ['NonExistentPartition', 'NewPartition', 'OnlinePartition', 'OfflinePartition'],
      replicaStateMachine: ['NonExistentReplica', 'NewReplica', 'OnlineReplica', 'OfflineReplica', 'ReplicaDeletionStarted', 'ReplicaDeletionSuccessful', 'ReplicaDeletionIneligible'],
      transactionState: ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'PrepareEpochFence', 'Dead'],
    };
    for (const [name, states] of Object.entries(expectStates)) {
      const j = JSON.parse(await readFile(join(target, `${name}.json`), 'utf8'));
      expect(j.id, name).toBe(name);
      expect(Object.keys(j.states), name).toEqual(expect.arrayContaining(states));
    }
  });

  it('--format config writes the machine configs as written; functions become { type }', async () => {
    const dir = await tmp();
    const lines: string[] = [];
    expect(await run(['--export', dir, '--format', 'config'], (s) => lines.push(s))).toBe(0);
    const zk = JSON.parse(await readFile(join(dir, 'zookeeperClient.json'), 'utf8'));
    expect(zk).toMatchObject({ id: 'zookeeperClient', initial: 'connecting' });
    expect(zk.states.session.states.degraded.on['zk.connected']).toEqual({ target: 'watching', actions: ['logRecovered', 'notifyRecovered', 'clearDegraded'] });
    expect(zk.context).toEqual({ type: 'context' });
    expect(machineJson(MACHINES.majordomo, 'config')).not.toContain('[Circular]');
  });

  it('--help, --list, and usage errors', async () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(await run(['--help'], (s) => out.push(s))).toBe(0);
    expect(out.join('')).toContain('Usage: rafka machines --export DIR');
    out.length = 0;
    expect(await run(['--list'], (s) => out.push(s))).toBe(0);
    expect(out.join('').split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0])).toEqual(NAMES);
    expect(statePaths(MACHINES.zookeeperClient)).toEqual(expect.arrayContaining(['session', 'session.watching', 'session.degraded']));
    expect(await run([], undefined, (s) => err.push(s))).toBe(2);
    expect(err.join('')).toContain('--export DIR is required');
    expect(await run(['--export', '/x', '--format', 'svg'], undefined, (s) => err.push(s))).toBe(2);
    expect(await run(['--bogus'], undefined, (s) => err.push(s))).toBe(2);
    const file = join(await tmp(), 'a-file');
    await writeFile(file, 'x');
    expect(await run(['--export', join(file, 'sub')], () => undefined, (s) => err.push(s))).toBe(1);
    expect(err.join('')).toContain('cannot write to');
  });
});
