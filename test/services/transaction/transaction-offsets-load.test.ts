/**
 * A transaction's COMMIT marker that reaches __consumer_offsets while the group coordinator is loading that partition
 * (a new leader after a kill): the marker writer's completeTransactionalOffsets finds nothing pending yet, so the load
 * must read the marker itself. Before the fix the load stopped at the log end it saw when it began, the transaction's
 * offsets stayed pending for ever and OffsetFetch answered the older offset (the EOS pipeline under faults then
 * re-processed a committed chunk: 50 duplicates). Real Log, chunked load (offsets.load.buffer.size 1024).
 */
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { GroupCoordinator } from '../../../src/services/group/group-coordinator.js';
import { OFFSETS_TOPIC } from '../../../src/services/group/group-keys.js';
import { Log } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG } from '../../../src/services/log/log-config.js';
import { buildEndTxnMarker } from '../../../src/services/log/record-batch.js';
import { fakeBroker, plainLeader } from '../server/fake-broker.js';
import { makeTmpDir, rmrf } from '../log/tmp.js';
import { leaderLog } from '../group/leader-log.js';
import { standaloneGroupActor } from '../../../src/machines/group-coordinator.js';

const dirs: string[] = [];
afterEach(async () => { for (const d of dirs.splice(0)) await rmrf(d); });


describe('transactional offsets and the __consumer_offsets load', () => {
  it('a COMMIT marker appended while the partition loads commits the transaction\'s offsets', async () => {
    const root = await makeTmpDir('rafka-txn-offsets-');
    dirs.push(root);
    const dir = path.join(root, `${OFFSETS_TOPIC}-0`);
    const config = { ...DEFAULT_LOG_CONFIG, segmentBytes: 4096 };
    const fb = fakeBroker({ 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1', 'offsets.load.buffer.size': '1024' });
    fb.addTopic(OFFSETS_TOPIC, 1);
    fb.addTopic('in', 1);
    let log = Log.create({ dir, topic: OFFSETS_TOPIC, partition: 0, config });
    const lead = (l: Log, epoch: number) => fb.lookups.set(`${OFFSETS_TOPIC}-0`, { kind: 'leader', log: leaderLog(l), leaderEpoch: epoch, partition: plainLeader(leaderLog(l), epoch) });
    lead(log, 0);
    const gc = new GroupCoordinator(fb.ctx, { groupActors: standaloneGroupActor });
    await gc.start();
    const who = { memberId: '', groupInstanceId: null, generationId: -1 };
    // enough plain commits that the load takes several chunks (and yields between them)
    for (let i = 0; i < 200; i++) expect(await gc.commitOffsets(`other${i % 7}`, who, [{ topic: 'in', partition: 0, offset: BigInt(i), leaderEpoch: 0, metadata: '', retentionMs: -1 }])).toEqual([ErrorCode.NONE]);
    expect(await gc.commitOffsets('eos', who, [{ topic: 'in', partition: 0, offset: 100n, leaderEpoch: 0, metadata: '', retentionMs: -1 }])).toEqual([ErrorCode.NONE]);
    // the pipeline's transaction: offset 150 sent with it, then the coordinator (this broker) dies before the marker
    expect(await gc.commitTxnOffsets('eos', 7n, 0, who, [{ topic: 'in', partition: 0, offset: 150n, leaderEpoch: 0, metadata: '', retentionMs: -1 }])).toEqual([ErrorCode.NONE]);
    gc.shutdown();
    log.close();

    // the new leader loads; the transaction coordinator's COMMIT marker arrives during the load
    log = Log.load({ dir, topic: OFFSETS_TOPIC, partition: 0, config, hadCleanShutdown: true }).log;
    lead(log, 1);
    const gc2 = new GroupCoordinator(fb.ctx, { groupActors: standaloneGroupActor });
    const loading = gc2.start();
    await new Promise((r) => setImmediate(r)); // the load has read its first chunk and yielded
    expect(gc2.fetchOffsets('eos', null).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    // markers of other producers' transactions land first (more than one load chunk of them), then producer 7's COMMIT
    const marker = (producerId: bigint, commit: boolean) => {
      log.appendAsLeader(buildEndTxnMarker({ producerId, producerEpoch: 0, commit, coordinatorEpoch: 0 }), 1, 'coordinator');
      log.updateHighWatermark(log.logEndOffset);
      gc2.completeTransactionalOffsets(producerId, [0], commit); // what txn-marker-writer does after the append
    };
    for (let pid = 100n; pid < 130n; pid++) marker(pid, false);
    marker(7n, true);
    await loading;
    expect(gc2.fetchOffsets('eos', [{ name: 'in', partitions: [0] }]).topics[0]!.partitions[0]!.offset).toBe(150n);
    expect(gc2.hasPendingTxnOffset('eos', 'in', 0)).toBe(false);
    gc2.shutdown();
    log.close();
  });
});
