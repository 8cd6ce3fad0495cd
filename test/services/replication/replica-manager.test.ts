/**
 * The ReplicaManager over a real LogManager: LeaderAndIsr makes Partitions leader (HW = min LEO of the ISR, acks=-1
 * completes once the follower fetched) or follower (the fetcher is told where to start, and told to stop when the
 * broker leads or stops the replica); the high watermarks go to replication-offset-checkpoint and a new
 * ReplicaManager (a restart) starts the partitions from them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { HighWatermarkCheckpoints } from '../../../src/services/replication/high-watermark-checkpoint.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { LogManager } from '../../../src/services/log/log-manager.js';
import { buildRecordBatch } from '../../../src/services/log/record-batch.js';
import { MetadataCache } from '../../../src/services/server/metadata-cache.js';
import { ReplicaManager } from '../../../src/services/server/replica-manager.js';
import type { InitialFetchState } from '../../../src/services/replication/fetcher-types.js';
import type { LeaderAndIsrControl } from '../../../src/services/controller/control-requests.js';
import { makeConfig, captureLogger } from '../log/log-test-helpers.js';
import { makeTmpDir, rmrf } from '../log/tmp.js';
import { advanceIsrState } from '../../../src/machines/partition-isr-state.js';

const ME = 2;
const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rmrf(d); });

const records = (n: number) => buildRecordBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: `v${i}`, timestamp: 1_000 + i })), defaultTimestamp: 1_000 });

function lai(parts: Array<{ p: number; leader: number; epoch: number; isr: number[] }>, controllerEpoch = 5): LeaderAndIsrControl {
  return {
    controllerId: 1, controllerEpoch, brokerEpoch: -1n,
    topics: [{ topicName: 't', topicId: null, partitions: parts.map(({ p, leader, epoch, isr }) => ({ partitionIndex: p, controllerEpoch, leader, leaderEpoch: epoch, isr, partitionEpoch: epoch, replicas: [1, 2], isNew: true })) }],
    liveLeaders: [{ brokerId: 1, hostName: 'h1', port: 9092 }, { brokerId: 2, hostName: 'h2', port: 9093 }],
  };
}

describe('ReplicaManager', () => {
  it('leads, follows, checkpoints the high watermark and starts from it again', async () => {
    const dir = await makeTmpDir('rafka-rm-');
    dirs.push(dir);
    const config = makeConfig([dir], { 'broker.id': String(ME) });
    const { logger } = captureLogger();
    const logs = await LogManager.create({ logDirs: [dir], initialOfflineDirs: [], config, log: logger, onDirFailure: () => {} });
    const metadata = new MetadataCache(ME, 'cluster');
    const added: InitialFetchState[] = [];
    const removed: string[] = [];
    const fetchers = { addFetcherForPartitions: (ps: InitialFetchState[]) => added.push(...ps), removeFetcherForPartitions: (ps: ReadonlyArray<{ topic: string; partition: number }>) => removed.push(...ps.map((p) => `${p.topic}-${p.partition}`)) };
    const rm = new ReplicaManager(ME, logs, metadata, logger, { advanceIsrState, config: () => config, fetchers });

    const r = rm.becomeLeaderOrFollower(lai([{ p: 0, leader: ME, epoch: 1, isr: [2, 1] }, { p: 1, leader: 1, epoch: 1, isr: [1, 2] }]));
    expect(r.partitionErrors.map((e) => e.errorCode)).toEqual([0, 0]);
    // the follower's fetcher starts at its HW (no epochs yet) from leader 1's endpoint
    expect(added).toEqual([expect.objectContaining({ topic: 't', partition: 1, leader: { brokerId: 1, host: 'h1', port: 9092 }, currentLeaderEpoch: 1, initOffset: 0n })]);
    expect(rm.followerLog('t', 1)).not.toBeNull();
    expect(rm.followerLog('t', 0)).toBeNull();

    const lookup = rm.partition('t', 0);
    if (lookup.kind !== 'leader') throw new Error(lookup.kind);
    const appended = lookup.partition.appendRecordsToLeader(records(3), -1);
    expect(appended.lastOffset).toBe(2n);
    const acked = rm.waitForReplication([{ topic: 't', partition: 0, requiredOffset: 3n }], 10_000);
    expect(lookup.log.highWatermark).toBe(0n); // follower 1 has not fetched
    expect(lookup.partition.updateFollowerFetchState(1, 3n, 0n, 3n)).toBe(true);
    expect(await acked).toEqual([ErrorCode.NONE]);
    expect(lookup.log.highWatermark).toBe(3n);

    rm.checkpointHighWatermarks();
    expect(readFileSync(join(dir, 'replication-offset-checkpoint'), 'utf8')).toBe('0\n2\nt 0 3\nt 1 0\n');

    // a new leader epoch makes this broker leader of partition 1: its fetcher goes first
    rm.becomeLeaderOrFollower(lai([{ p: 1, leader: ME, epoch: 2, isr: [2] }], 6));
    expect(removed).toContain('t-1');
    expect(rm.partition('t', 1).kind).toBe('leader');

    // "restart": a new ReplicaManager reads the checkpoint; partition 0 as a follower keeps HW 3, not the LEO or 0
    logs.getLog('t', 0)!.updateHighWatermark(0n);
    const rm2 = new ReplicaManager(ME, logs, metadata, logger, { advanceIsrState, config: () => config, fetchers });
    rm2.becomeLeaderOrFollower(lai([{ p: 0, leader: 1, epoch: 3, isr: [1, 2] }], 7));
    expect(logs.getLog('t', 0)!.highWatermark).toBe(3n);
    expect(added.at(-1)).toMatchObject({ partition: 0, currentLeaderEpoch: 3, initOffset: 3n }); // IBP 3.x with epochs: from the LEO
    // StopReplica stops the fetcher before dropping the partition
    rm2.stopReplicas({ controllerId: 1, controllerEpoch: 7, brokerEpoch: -1n, partitions: [{ topicName: 't', partitionIndex: 0, leaderEpoch: 3, deletePartition: false }] });
    expect(removed.at(-1)).toBe('t-0');
    expect(rm2.followerLog('t', 0)).toBeNull();
    await logs.shutdown?.();
  });

  it('the periodic high-watermark checkpoint is written off the event loop (writeAsync); only the shutdown one is synchronous (issue 17)', async () => {
    const dir = await makeTmpDir('rafka-rm-');
    dirs.push(dir);
    const config = makeConfig([dir], { 'broker.id': String(ME), 'replica.high.watermark.checkpoint.interval.ms': '10' });
    const { logger } = captureLogger();
    const logs = await LogManager.create({ logDirs: [dir], initialOfflineDirs: [], config, log: logger, onDirFailure: () => {} });
    const fetchers = { addFetcherForPartitions: () => {}, removeFetcherForPartitions: () => {} };
    const rm = new ReplicaManager(ME, logs, new MetadataCache(ME, 'cluster'), logger, { advanceIsrState, config: () => config, fetchers });
    rm.becomeLeaderOrFollower(lai([{ p: 0, leader: ME, epoch: 1, isr: [2] }]));
    const lookup = rm.partition('t', 0);
    if (lookup.kind !== 'leader') throw new Error(lookup.kind);
    lookup.partition.appendRecordsToLeader(records(2), 1);
    const sync = vi.spyOn(HighWatermarkCheckpoints.prototype, 'write');
    const async = vi.spyOn(HighWatermarkCheckpoints.prototype, 'writeAsync');
    try {
      rm.startup();
      const file = join(dir, 'replication-offset-checkpoint');
      for (const t0 = Date.now(); ;) {
        let text = '';
        try { text = readFileSync(file, 'utf8'); } catch { /* not yet */ }
        if (text === '0\n1\nt 0 2\n') break;
        if (Date.now() - t0 > 20_000) throw new Error(`no periodic checkpoint: ${JSON.stringify(text)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(async).toHaveBeenCalled();
      expect(sync).not.toHaveBeenCalled();
      rm.shutdown();
      expect(sync).toHaveBeenCalledTimes(1);
    } finally {
      sync.mockRestore();
      async.mockRestore();
      await logs.shutdown?.();
    }
  });

  it('an unreadable replication-offset-checkpoint takes the log dir offline: the partition answers KAFKA_STORAGE_ERROR (Kafka)', async () => {
    const dir = await makeTmpDir('rafka-rm-');
    dirs.push(dir);
    writeFileSync(join(dir, 'replication-offset-checkpoint'), '0\n1\nt 0 notanumber\n');
    const config = makeConfig([dir], { 'broker.id': String(ME) });
    const { logger } = captureLogger();
    const failures: string[] = [];
    const logs = await LogManager.create({ logDirs: [dir], initialOfflineDirs: [], config, log: logger, onDirFailure: (d) => failures.push(d) });
    const rm = new ReplicaManager(ME, logs, new MetadataCache(ME, 'cluster'), logger, { advanceIsrState, config: () => config });
    const r = rm.becomeLeaderOrFollower(lai([{ p: 0, leader: ME, epoch: 1, isr: [2, 1] }]));
    expect(r.partitionErrors.map((e) => e.errorCode)).toEqual([ErrorCode.KAFKA_STORAGE_ERROR]);
    expect(failures).toEqual([dir]);
    expect(rm.partition('t', 0).kind).toBe('offline');
    // a later LeaderAndIsr for it still answers KAFKA_STORAGE_ERROR
    expect(rm.becomeLeaderOrFollower(lai([{ p: 0, leader: ME, epoch: 2, isr: [2, 1] }], 6)).partitionErrors.map((e) => e.errorCode)).toEqual([ErrorCode.KAFKA_STORAGE_ERROR]);
    await logs.shutdown?.();
  });
  it('a failed log dir (handleLogDirFailure): its partitions stop fetching, waiting acks=all produces get KAFKA_STORAGE_ERROR, and every LeaderAndIsr for them (the same leader epoch included) answers KAFKA_STORAGE_ERROR; the other dir serves on', async () => {
    const [a, b] = [await makeTmpDir('rafka-rm-a-'), await makeTmpDir('rafka-rm-b-')];
    dirs.push(a, b);
    const config = makeConfig([a, b], { 'broker.id': String(ME) });
    const { logger } = captureLogger();
    const logs = await LogManager.create({ logDirs: [a, b], initialOfflineDirs: [], config, log: logger, onDirFailure: () => {} });
    const removed: string[] = [];
    const fetchers = { addFetcherForPartitions: () => {}, removeFetcherForPartitions: (ps: ReadonlyArray<{ topic: string; partition: number }>) => removed.push(...ps.map((p) => `${p.topic}-${p.partition}`)) };
    const rm = new ReplicaManager(ME, logs, new MetadataCache(ME, 'cluster'), logger, { advanceIsrState, config: () => config, fetchers });
    // three partitions: 0 led here and 1 followed here, spread over the two dirs
    const first = lai([{ p: 0, leader: ME, epoch: 1, isr: [2, 1] }, { p: 1, leader: 1, epoch: 1, isr: [1, 2] }, { p: 2, leader: ME, epoch: 1, isr: [2, 1] }]);
    expect(rm.becomeLeaderOrFollower(first).partitionErrors.map((e) => e.errorCode)).toEqual([0, 0, 0]);
    const dirOf = (p: number) => logs.getLog('t', p)!.logDir;
    const failed = dirOf(0);
    const inFailed = [0, 1, 2].filter((p) => dirOf(p) === failed);
    const inOther = [0, 1, 2].filter((p) => dirOf(p) !== failed);
    expect(inOther.length).toBeGreaterThan(0);
    const led = rm.partition('t', 0);
    if (led.kind !== 'leader') throw new Error(led.kind);
    led.partition.appendRecordsToLeader(records(2), -1);
    const waiting = rm.waitForReplication([{ topic: 't', partition: 0, requiredOffset: 2n }], 30_000);
    removed.length = 0;
    rm.handleLogDirFailure(failed);
    logs.handleLogDirFailure(failed);
    expect(await waiting).toEqual([ErrorCode.KAFKA_STORAGE_ERROR]); // answered now, not after 30 s
    expect(removed.sort()).toEqual(inFailed.map((p) => `t-${p}`));
    for (const p of inFailed) expect(rm.partition('t', p).kind).toBe('offline');
    // the controller's onBrokerLogDirFailure resends the current state: offline ones say so, the others answer as usual
    const errors = new Map(rm.becomeLeaderOrFollower(lai([{ p: 0, leader: ME, epoch: 1, isr: [2, 1] }, { p: 1, leader: 1, epoch: 1, isr: [1, 2] }, { p: 2, leader: ME, epoch: 1, isr: [2, 1] }], 6))
      .partitionErrors.map((e) => [e.partitionIndex, e.errorCode]));
    for (const p of inFailed) expect(errors.get(p)).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    for (const p of inOther) expect(errors.get(p)).not.toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    // a new leader elsewhere: still offline here (until a restart)
    expect(rm.becomeLeaderOrFollower(lai([{ p: inFailed[0]!, leader: 1, epoch: 2, isr: [1] }], 7)).partitionErrors[0]!.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(rm.stopReplicas({ controllerId: 1, controllerEpoch: 7, brokerEpoch: -1n, partitions: [{ topicName: 't', partitionIndex: inFailed[0]!, leaderEpoch: 2, deletePartition: false }] }).partitionErrors[0]!.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    for (const p of inOther) expect(['leader', 'notLeader']).toContain(rm.partition('t', p).kind);
    await logs.shutdown?.();
  });
});
