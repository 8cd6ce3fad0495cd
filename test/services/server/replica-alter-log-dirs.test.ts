// The -future replica mover (Kafka's ReplicaAlterLogDirsThread + LogManager.replaceCurrentWithFutureLog) and
// ReplicaManager.alterReplicaLogDirs' per-partition rules, over a real LogManager with two log dirs (no broker).
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogManager } from '../../../src/services/log/log-manager.js';
import { endOffsetForEpoch } from '../../../src/services/log/leader-epoch-cache.js';
import { advanceMoveState } from '../../../src/machines/replica-alter-log-dirs-state.js';
import { futureTruncationOffset, ReplicaAlterLogDirsManager, type AlterLogDirsHost } from '../../../src/services/server/replica-alter-log-dirs-manager.js';
import { alterReplicaLogDirs, type HostedState } from '../../../src/services/admin/alter-replica-log-dirs.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { makeTmpDir, rmrf } from '../log/tmp.js';
import { captureLogger, encodeBatch, makeConfig } from '../log/log-test-helpers.js';
import { readFileSync } from 'node:fs';
import { buildEndTxnMarker, buildRecordBatch } from '../../../src/services/log/record-batch.js';

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

async function twoDirs(props: Record<string, string> = {}) {
  const root = await makeTmpDir('rafka-alterdirs-');
  cleanup.push(root);
  const dirs = [path.join(root, 'a'), path.join(root, 'b')];
  const { logger, lines } = captureLogger();
  const failures: string[] = [];
  const open = async () => {
    const m = await LogManager.create({ logDirs: dirs, initialOfflineDirs: [], config: makeConfig(dirs, props), log: logger, onDirFailure: (d) => failures.push(d) });
    await m.loadLogs();
    return m;
  };
  return { dirs, open, lines, failures, logger };
}

/** A host as the ReplicaManager is one: every partition with both logs is hosted. */
function hostOf(m: LogManager): AlterLogDirsHost & { swaps: number } {
  const host = {
    swaps: 0,
    movingLogs(t: string, p: number) {
      const current = m.getLog(t, p);
      const future = m.getFutureLog(t, p);
      return current && future ? { current, future } : null;
    },
    replaceCurrentWithFuture(t: string, p: number) { m.replaceCurrentWithFutureLog(t, p); host.swaps++; },
  };
  return host;
}

const batch = (i: number, n = 3) => encodeBatch(Array.from({ length: n }, (_, j) => ({ value: Buffer.from(`v${i}-${j}`), timestamp: 1_700_000_000_000 + i })));

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Every record's value of a log, in offset order. */
function values(l: { read(start: bigint, max: number, o?: { minOneMessage?: boolean }): { records: Buffer }; logStartOffset: bigint; logEndOffset: bigint }): string[] {
  const out: string[] = [];
  const r = l.read(l.logStartOffset, 1 << 30, { minOneMessage: true }).records;
  // v2 batches: walk records by decoding values with a simple scan of the test payloads
  const s = r.toString('latin1');
  for (const m of s.matchAll(/v\d+-\d+/g)) out.push(m[0]);
  return out;
}

describe('futureTruncationOffset (AbstractFetcherThread.getOffsetTruncationState against the current replica)', () => {
  const log = (entries: Array<{ epoch: number; startOffset: bigint }>, leo: bigint, hw = leo) => ({
    logEndOffset: leo, highWatermark: hw, latestEpoch: entries.at(-1)?.epoch ?? -1,
    endOffsetForEpoch: (e: number) => endOffsetForEpoch(entries, e, leo),
  });
  it('a prefix of the current log needs no truncation; the same epochs further on neither', () => {
    expect(futureTruncationOffset(log([{ epoch: 0, startOffset: 0n }], 100n), log([{ epoch: 0, startOffset: 0n }], 40n))).toBeNull();
    expect(futureTruncationOffset(log([{ epoch: 0, startOffset: 0n }, { epoch: 2, startOffset: 50n }], 100n), log([{ epoch: 0, startOffset: 0n }, { epoch: 2, startOffset: 50n }], 60n))).toBeNull();
    expect(futureTruncationOffset(log([], 10n), log([], 10n))).toBeNull();
  });
  it('the current log truncated and went on in a new epoch: the future log truncates to where its epoch ends there', () => {
    // current: epoch 0 up to 80, then epoch 3 (its own epoch-1 records 80..100 were truncated away); future copied epoch 1 to 100
    const current = log([{ epoch: 0, startOffset: 0n }, { epoch: 3, startOffset: 80n }], 120n);
    const future = log([{ epoch: 0, startOffset: 0n }, { epoch: 1, startOffset: 80n }], 100n);
    expect(futureTruncationOffset(current, future)).toBe(80n);
  });
  it('the same latest epoch but a shorter current log: truncate to its end', () => {
    expect(futureTruncationOffset(log([{ epoch: 2, startOffset: 0n }], 30n), log([{ epoch: 2, startOffset: 0n }], 50n))).toBe(30n);
    expect(futureTruncationOffset(log([], 30n), log([], 50n))).toBe(30n);
  });
  it('an epoch the current log does not know at all: back to the committed offset', () => {
    expect(futureTruncationOffset(log([{ epoch: 1, startOffset: 0n }], 40n), log([{ epoch: 1, startOffset: 0n }, { epoch: 5, startOffset: 30n }], 50n, 25n))).toBe(25n);
  });
});

describe('ReplicaAlterLogDirsManager + LogManager.replaceCurrentWithFutureLog', () => {
  it('moves a replica to the other dir while it is appended to: every record there once, the old dir renamed -delete, checkpoints follow', async () => {
    const { dirs, open } = await twoDirs();
    const m = await open();
    const current = m.getOrCreateLog('t', 0);
    expect(current.logDir).toBe(dirs[0]);
    for (let i = 0; i < 50; i++) current.appendAsLeader(batch(i), 0);
    current.updateHighWatermark(120n);
    const host = hostOf(m);
    const { logger } = captureLogger();
    // small rounds so that appends interleave with the copy
    const mover = new ReplicaAlterLogDirsManager(host, logger, { advanceMoveState, threads: 1, maxBytes: () => 200, backoffMs: () => 10 });
    m.getOrCreateFutureLog('t', 0, dirs[1]!);
    mover.addPartitions([{ topic: 't', partition: 0 }]);
    let appended = 50;
    // produce goes on while moving: one batch per turn until the swap
    while (host.swaps === 0 && appended < 400) {
      m.getLog('t', 0)!.appendAsLeader(batch(appended++), 0);
      m.getLog('t', 0)!.updateHighWatermark(120n); // the Partition keeps the HW, not the log
      await new Promise((r) => setImmediate(r));
    }
    await until(() => host.swaps === 1, 'the swap');
    expect(appended).toBeGreaterThan(50); // some appends happened during the move
    const moved = m.getLog('t', 0)!;
    expect(moved.logDir).toBe(dirs[1]);
    expect(moved.dir).toBe(path.join(dirs[1]!, 't-0'));
    expect(m.getFutureLog('t', 0)).toBeUndefined();
    expect(moved.highWatermark).toBe(120n);
    moved.appendAsLeader(batch(appended++), 0); // the moved log takes appends
    const got = values(moved);
    expect(got.length).toBe(appended * 3);
    expect(new Set(got).size).toBe(got.length);
    expect(got[0]).toBe('v0-0');
    expect(got.at(-1)).toBe(`v${appended - 1}-2`);
    expect(readdirSync(dirs[0]!).some((n) => n.startsWith('t-0.') && n.endsWith('-delete'))).toBe(true);
    expect(existsSync(path.join(dirs[0]!, 't-0'))).toBe(false);
    expect(readdirSync(dirs[1]!).some((n) => n.endsWith('-future'))).toBe(false);
    expect(mover.movingPartitions).toEqual([]);
    mover.shutdown();
    await m.shutdown();
    // after a restart the partition is in the new dir only
    const m2 = await open();
    expect(m2.getLog('t', 0)!.logDir).toBe(dirs[1]);
    expect(values(m2.getLog('t', 0)!).length).toBe(appended * 3);
    await m2.shutdown();
  });

  it('a restart mid-move loads the -future log and the move resumes from where the copy stood', async () => {
    const { dirs, open, lines } = await twoDirs();
    const m = await open();
    const current = m.getOrCreateLog('r', 1);
    for (let i = 0; i < 30; i++) current.appendAsLeader(batch(i), 0);
    const future = m.getOrCreateFutureLog('r', 1, dirs[1]!);
    // a partial copy, as a mover stopped by the shutdown would leave it
    future.appendAsFollower(current.read(0n, 300, { minOneMessage: true }).records);
    const copied = future.logEndOffset;
    expect(copied).toBeGreaterThan(0n);
    expect(copied).toBeLessThan(current.logEndOffset);
    await m.shutdown();
    const m2 = await open();
    expect(m2.getFutureLog('r', 1)?.logEndOffset).toBe(copied);
    expect(lines.some((l) => l.msg.includes('the move between log dirs resumes'))).toBe(true);
    const host = hostOf(m2);
    const mover = new ReplicaAlterLogDirsManager(host, captureLogger().logger, { advanceMoveState, threads: 1, maxBytes: () => 1 << 20, backoffMs: () => 10 });
    mover.addPartitions([{ topic: 'r', partition: 1 }]);
    await until(() => host.swaps === 1, 'the resumed swap');
    expect(m2.getLog('r', 1)!.logDir).toBe(dirs[1]);
    expect(values(m2.getLog('r', 1)!).length).toBe(90);
    mover.shutdown();
    await m2.shutdown();
  });

  it('the current log truncated below the copy: the future log truncates too, then catches up', async () => {
    const { dirs, open } = await twoDirs();
    const m = await open();
    const current = m.getOrCreateLog('x', 0);
    for (let i = 0; i < 10; i++) current.appendAsLeader(batch(i), 0);
    const future = m.getOrCreateFutureLog('x', 0, dirs[1]!);
    future.appendAsFollower(current.read(0n, 1 << 20).records);
    expect(future.logEndOffset).toBe(30n);
    current.truncateTo(15n); // a follower's truncation
    current.appendAsLeader(batch(100), 1);
    const host = hostOf(m);
    const mover = new ReplicaAlterLogDirsManager(host, captureLogger().logger, { advanceMoveState, threads: 1, maxBytes: () => 1 << 20, backoffMs: () => 10 });
    mover.addPartitions([{ topic: 'x', partition: 0 }]);
    await until(() => host.swaps === 1, 'the swap');
    const got = values(m.getLog('x', 0)!);
    expect(got.length).toBe(18);
    expect(got.slice(-3)).toEqual(['v100-0', 'v100-1', 'v100-2']);
    expect(m.getLog('x', 0)!.latestEpoch).toBe(1);
    mover.shutdown();
    await m.shutdown();
  });

  it('num.replica.alter.log.dirs.threads: partitions spread over the loops by Kafka\'s getFetcherId, reads of two loops in flight at once, every state visited', async () => {
    const { dirs, open } = await twoDirs();
    const m = await open();
    const parts = [0, 1, 2, 3];
    for (const p of parts) {
      const l = m.getOrCreateLog('n', p);
      for (let i = 0; i < 15; i++) l.appendAsLeader(batch(i), 0);
      m.getOrCreateFutureLog('n', p, l.logDir === dirs[0] ? dirs[1]! : dirs[0]!); // to the other dir
    }
    // reads in flight at once, counted around the current logs' readAsync
    let inFlight = 0;
    let maxInFlight = 0;
    for (const p of parts) {
      const l = m.getLog('n', p)!;
      const read = l.readAsync.bind(l);
      l.readAsync = async (...a: Parameters<typeof read>) => {
        inFlight++; maxInFlight = Math.max(maxInFlight, inFlight);
        try { await new Promise((r) => setTimeout(r, 2)); return await read(...a); } finally { inFlight--; }
      };
    }
    const host = hostOf(m);
    const seen: string[] = [];
    const recording: typeof advanceMoveState = (state, event) => { const r = advanceMoveState(state, event); seen.push(`${state}>${r.state}`); return r; };
    const mover = new ReplicaAlterLogDirsManager(host, captureLogger().logger, { advanceMoveState: recording, threads: 2, maxBytes: () => 300, backoffMs: () => 10 });
    expect(mover.threads).toBe(2);
    mover.addPartitions(parts.map((partition) => ({ topic: 'n', partition })));
    // Kafka: abs(31 * "n".hashCode + p) % 2 = (31 * 110 + p) % 2
    expect(mover.movingPartitions.map((s) => s.fetcherId)).toEqual(parts.map((p) => (31 * 110 + p) % 2));
    expect(new Set(mover.movingPartitions.map((s) => s.fetcherId)).size).toBe(2);
    await until(() => host.swaps === 4, 'four swaps');
    expect(maxInFlight).toBe(2); // one read per loop
    for (const p of parts) expect(values(m.getLog('n', p)!).length).toBe(45);
    expect(new Set(seen)).toEqual(new Set(['truncating>copying', 'copying>swapped']));
    expect(seen.filter((x) => x === 'copying>swapped').length).toBe(4);
    mover.shutdown();
    await m.shutdown();
  });

  it('a throttle over its rate holds the copy back until it is below again', async () => {
    const { dirs, open } = await twoDirs();
    const m = await open();
    const current = m.getOrCreateLog('q', 0);
    for (let i = 0; i < 5; i++) current.appendAsLeader(batch(i), 0);
    m.getOrCreateFutureLog('q', 0, dirs[1]!);
    let exceeded = true;
    let recorded = 0;
    let checks = 0;
    const host = hostOf(m);
    const mover = new ReplicaAlterLogDirsManager(host, captureLogger().logger, { advanceMoveState, threads: 1, maxBytes: () => 1 << 20, backoffMs: () => 5, quota: { isExceeded: () => { checks++; return exceeded; }, record: (b) => { recorded += b; } } });
    mover.addPartitions([{ topic: 'q', partition: 0 }]);
    await until(() => checks >= 4, 'the mover to back off three times');
    expect(m.getFutureLog('q', 0)!.logEndOffset).toBe(0n);
    exceeded = false;
    await until(() => host.swaps === 1, 'the swap');
    expect(recorded).toBe(m.getLog('q', 0)!.size);
    mover.shutdown();
    await m.shutdown();
  });
});

describe('a log-dir move and the cleaner, and the producer state (Kafka 3.7.1 replaceCurrentWithFutureLog)', () => {
  it('cleaning is paused while the future replica exists; at the swap the cleaner checkpoint moves to the new dir and cleaning resumes', async () => {
    const { dirs, open } = await twoDirs({ 'log.cleanup.policy': 'compact', 'log.cleaner.min.cleanable.ratio': '0.1' });
    const m = await open();
    const cleaner = m.cleaner!;
    expect(cleaner).not.toBeNull();
    await cleaner.startup();
    const current = m.getOrCreateLog('c', 0);
    for (let i = 0; i < 20; i++) current.appendAsLeader(encodeBatch([{ key: Buffer.from(`k${i % 3}`), value: Buffer.from(`v${i}-0`), timestamp: 1_700_000_000_000 + i }]), 0);
    current.roll(); // something cleanable
    current.updateHighWatermark(current.logEndOffset);
    await cleaner.manager.updateCheckpoints(dirs[0]!, { tp: 'c-0', offset: 7n }); // as an earlier clean left it
    expect(cleaner.manager.pausedCount('c-0')).toBe(0);
    m.getOrCreateFutureLog('c', 0, dirs[1]!);
    expect(cleaner.manager.pausedCount('c-0')).toBe(1);
    // paused: neither cleaned nor given retention while the copy runs (Kafka abortAndPauseCleaning)
    expect(await cleaner.manager.grabFilthiestCompactedLog(Date.now())).toBeNull();
    expect(cleaner.manager.deletableLogs().map((l) => l.topic)).toEqual([]);
    const host = hostOf(m);
    const mover = new ReplicaAlterLogDirsManager(host, captureLogger().logger, { advanceMoveState, threads: 1, maxBytes: () => 1 << 20, backoffMs: () => 10 });
    mover.addPartitions([{ topic: 'c', partition: 0 }]);
    await until(() => host.swaps === 1, 'the swap');
    const cp = (d: string) => { try { return readFileSync(path.join(d, 'cleaner-offset-checkpoint'), 'utf8'); } catch { return ''; } };
    await until(() => cleaner.manager.pausedCount('c-0') === 0, 'cleaning to resume');
    // Kafka alterCheckpointDir: the first dirty offset is in the destination dir's checkpoint, not the source's
    expect(cleaner.manager.allCleanerCheckpoints().get('c-0')).toBe(7n);
    await until(() => cp(dirs[1]!).includes('c 0 7'), 'the destination checkpoint file');
    expect(cp(dirs[0]!)).not.toContain('c 0 ');
    // resumed: the moved log is offered to the cleaner again, from the carried offset (the copy went into one segment)
    m.getLog('c', 0)!.roll();
    const ltc = await cleaner.manager.grabFilthiestCompactedLog(Date.now());
    expect(ltc?.topicPartition).toBe('c-0');
    expect(ltc?.firstDirtyOffset).toBe(7n);
    expect(ltc?.log.logDir).toBe(dirs[1]);
    await cleaner.manager.doneCleaning('c-0', dirs[1]!, 7n);
    mover.shutdown();
    await m.shutdown();
  });

  it('a cancelled move resumes cleaning (Kafka 3.7.1 leaves it paused: not followed); a restart mid-move pauses again', async () => {
    const { dirs, open } = await twoDirs({ 'log.cleanup.policy': 'compact' });
    const m = await open();
    m.getOrCreateLog('d', 0).appendAsLeader(encodeBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1_700_000_000_000 }]), 0);
    m.getOrCreateFutureLog('d', 0, dirs[1]!);
    expect(m.cleaner!.manager.pausedCount('d-0')).toBe(1);
    expect(m.removeFutureLog('d', 0)).toBe(true);
    expect(m.cleaner!.manager.pausedCount('d-0')).toBe(0);
    m.getOrCreateFutureLog('d', 0, dirs[1]!);
    m.getOrCreateFutureLog('d', 0, dirs[1]!); // the same move again: still one pause
    expect(m.cleaner!.manager.pausedCount('d-0')).toBe(1);
    await m.shutdown();
    const m2 = await open();
    expect(m2.getFutureLog('d', 0)).toBeDefined();
    expect(m2.cleaner!.manager.pausedCount('d-0')).toBe(1);
    expect(m2.deleteLog('d', 0)).toBe(true); // the partition deleted with its future replica
    expect(m2.cleaner!.manager.pausedCount('d-0')).toBe(0);
    await m2.shutdown();
  });

  it('an open transaction survives the swap (producer state, LSO, abort marker); KIP-890 verification entries do not, as in Kafka 3.7.1', async () => {
    const { dirs, open } = await twoDirs();
    const m = await open();
    const current = m.getOrCreateLog('x', 0);
    const txn = (pid: bigint, seq: number) => buildRecordBatch({ records: [{ key: 'k', value: `t${seq}` }], producerId: pid, producerEpoch: 0, baseSequence: seq, isTransactional: true });
    current.appendAsLeader(batch(0), 0); // 0..2
    current.appendAsLeader(txn(7n, 0), 0); // 3, producer 7's transaction open
    current.appendAsLeader(batch(1), 0); // 4..6
    current.updateHighWatermark(current.logEndOffset);
    expect(current.lastStableOffset).toBe(3n);
    // producer 8 starts a verification (AddPartitionsToTxn in flight) before the swap
    const guard = current.maybeStartTransactionVerification(8n, 0, 0);
    expect(guard).not.toBeNull();
    m.getOrCreateFutureLog('x', 0, dirs[1]!);
    const host = hostOf(m);
    const mover = new ReplicaAlterLogDirsManager(host, captureLogger().logger, { advanceMoveState, threads: 1, maxBytes: () => 1 << 20, backoffMs: () => 10 });
    mover.addPartitions([{ topic: 'x', partition: 0 }]);
    await until(() => host.swaps === 1, 'the swap');
    const moved = m.getLog('x', 0)!;
    expect(moved.logDir).toBe(dirs[1]);
    expect(moved.hasOngoingTransaction(7n)).toBe(true);
    expect(moved.lastStableOffset).toBe(3n);
    moved.appendAsLeader(txn(7n, 1), 0); // 7: the producer's next sequence is accepted (its state came along)
    moved.appendAsLeader(buildEndTxnMarker({ producerId: 7n, producerEpoch: 0, commit: false, coordinatorEpoch: 0 }), 0, 'coordinator'); // 8
    moved.updateHighWatermark(moved.logEndOffset);
    expect(moved.hasOngoingTransaction(7n)).toBe(false);
    expect(moved.lastStableOffset).toBe(9n);
    expect(moved.collectAbortedTransactions(0n, 9n)).toEqual([{ producerId: 7n, firstOffset: 3n, lastOffset: 8n, lastStableOffset: 9n }]);
    // Kafka 3.7.1: the destination UnifiedLog has its own ProducerStateManager, whose verification entries are only
    // made by maybeStartTransactionVerification on the current log: the old log's entry is not carried, so an append
    // holding the old guard is refused (INVALID_TXN_STATE) and the producer's next AddPartitionsToTxn verifies again
    expect(moved.verificationGuard(8n)).toBeUndefined();
    const again = moved.maybeStartTransactionVerification(8n, 0, 0);
    expect(again).not.toBeNull();
    expect(again).not.toBe(guard);
    expect(moved.verificationGuard(8n)).toBe(again);
    mover.shutdown();
    await m.shutdown();
  });
});

describe('alterReplicaLogDirs (ReplicaManager.alterReplicaLogDirs rules)', () => {
  it('unknown dir, not hosted, offline, same dir, a move, and a move redirected (the first one cancelled)', async () => {
    const { dirs, open } = await twoDirs();
    const m = await open();
    m.getOrCreateLog('h', 0);
    const added: string[] = [];
    const removed: string[] = [];
    const mover = { addPartitions: (ps: Array<{ topic: string; partition: number }>) => ps.forEach((p) => added.push(`${p.topic}-${p.partition}`)), removePartitions: (ps: Array<{ topic: string; partition: number }>) => ps.forEach((p) => removed.push(`${p.topic}-${p.partition}`)) };
    const hosted = (t: string, p: number): HostedState => (t === 'off' ? { kind: 'offline' } : m.getLog(t, p) ? { kind: 'online', topicId: null } : { kind: 'none' });
    const run = (dir: string, topic: string, partition = 0) => alterReplicaLogDirs([{ dir, topic, partition }], m, mover, hosted, captureLogger().logger)[0]!.errorCode;
    expect(run('/nowhere', 'h')).toBe(ErrorCode.LOG_DIR_NOT_FOUND);
    expect(run('relative', 'h')).toBe(ErrorCode.LOG_DIR_NOT_FOUND);
    expect(run(dirs[1]!, 'off')).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(run(dirs[1]!, 'later')).toBe(ErrorCode.REPLICA_NOT_AVAILABLE);
    expect(m.getOrCreateLog('later', 0).logDir).toBe(dirs[1]); // the preferred dir is used when it is created
    expect(run(dirs[0]!, 'h')).toBe(ErrorCode.NONE); // already there
    expect(m.getFutureLog('h', 0)).toBeUndefined();
    expect(run(dirs[1]!, 'h')).toBe(ErrorCode.NONE);
    expect(m.getFutureLog('h', 0)!.logDir).toBe(dirs[1]);
    expect(added).toEqual(['h-0']);
    expect(run(dirs[1]!, 'h')).toBe(ErrorCode.NONE); // the same move again
    expect(run(dirs[0]!, 'h')).toBe(ErrorCode.NONE); // back to where it is: the move is cancelled
    expect(removed).toEqual(['h-0']);
    expect(m.getFutureLog('h', 0)).toBeUndefined();
    expect(readdirSync(dirs[1]!).some((n) => n.startsWith('h-0.') && n.endsWith('-delete'))).toBe(true);
    expect(alterReplicaLogDirs([{ dir: dirs[1]!, topic: 'x'.repeat(250), partition: 0 }], m, mover, hosted, captureLogger().logger)[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    await m.shutdown();
  });
});

describe('AlterReplicaLogDirs handler (KafkaApis.handleAlterReplicaLogDirsRequest)', async () => {
  const { alterReplicaLogDirsHandler } = await import('../../../src/services/server/handlers/alter-replica-log-dirs.js');
  const h = alterReplicaLogDirsHandler();
  const body = { dirs: [{ path: '/a', topics: [{ name: 't', partitions: [0, 1] }, { name: 'u', partitions: [2] }] }, { path: '/b', topics: [{ name: 't', partitions: [1] }] }] };
  it('answers per topic; a partition named under two dirs takes the last; no mover → KAFKA_STORAGE_ERROR', async () => {
    const asked: Array<{ dir: string; topic: string; partition: number }> = [];
    const ctx = { logDirMover: { alterReplicaLogDirs: (a: typeof asked) => { asked.push(...a); return a.map((x) => ({ ...x, errorCode: x.dir === '/b' ? ErrorCode.NONE : ErrorCode.REPLICA_NOT_AVAILABLE })); } } };
    const r = await h.handle({ body } as never, { broker: ctx } as never);
    expect(asked).toEqual([{ dir: '/a', topic: 't', partition: 0 }, { dir: '/b', topic: 't', partition: 1 }, { dir: '/a', topic: 'u', partition: 2 }]);
    expect(r).toEqual({ throttleTimeMs: 0, results: [
      { topicName: 't', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.REPLICA_NOT_AVAILABLE }, { partitionIndex: 1, errorCode: ErrorCode.NONE }] },
      { topicName: 'u', partitions: [{ partitionIndex: 2, errorCode: ErrorCode.REPLICA_NOT_AVAILABLE }] },
    ] });
    const none = await h.handle({ body } as never, { broker: {} } as never);
    expect(JSON.stringify(none)).toBe(JSON.stringify({ throttleTimeMs: 0, results: [{ topicName: "t", partitions: [{ partitionIndex: 0, errorCode: 56 }, { partitionIndex: 1, errorCode: 56 }] }, { topicName: "u", partitions: [{ partitionIndex: 2, errorCode: 56 }] }] }));
  });
  it('the error answer (CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster) names every partition once', () => {
    expect(h.errorResponse({ body } as never, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null)).toEqual({ throttleTimeMs: 0, results: [
      { topicName: 't', partitions: [{ partitionIndex: 0, errorCode: 31 }, { partitionIndex: 1, errorCode: 31 }] },
      { topicName: 'u', partitions: [{ partitionIndex: 2, errorCode: 31 }] },
    ] });
  });
});
