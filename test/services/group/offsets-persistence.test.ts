/**
 * __consumer_offsets persistence over the real Log (segment files, several segments, chunked loading): what one
 * coordinator committed and stored is what a new coordinator loads from the reopened log.
 */
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { GroupCoordinator } from '../../../src/services/group/group-coordinator.js';
import { OFFSETS_TOPIC } from '../../../src/services/group/group-keys.js';
import { Log } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG } from '../../../src/services/log/log-config.js';
import { fakeBroker, plainLeader } from '../server/fake-broker.js';
import { makeTmpDir, rmrf } from '../log/tmp.js';
import { leaderLog } from './leader-log.js';
import { standaloneGroupActor } from '../../../src/machines/group-coordinator.js';

const dirs: string[] = [];
afterEach(async () => { for (const d of dirs.splice(0)) await rmrf(d); });


describe('__consumer_offsets on a real log', () => {
  it('offsets and group metadata written across several segments load back (chunked reads)', async () => {
    const root = await makeTmpDir('rafka-offsets-');
    dirs.push(root);
    const dir = path.join(root, `${OFFSETS_TOPIC}-0`);
    const config = { ...DEFAULT_LOG_CONFIG, segmentBytes: 4096 };
    const props = { 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1', 'offsets.load.buffer.size': '1024' };

    const fb = fakeBroker(props);
    fb.addTopic(OFFSETS_TOPIC, 1);
    fb.addTopic('t', 4);
    let log = Log.create({ dir, topic: OFFSETS_TOPIC, partition: 0, config });
    fb.lookups.set(`${OFFSETS_TOPIC}-0`, { kind: 'leader', log: leaderLog(log), leaderEpoch: 0, partition: plainLeader(leaderLog(log), 0) });

    const gc = new GroupCoordinator(fb.ctx, { groupActors: standaloneGroupActor });
    await gc.start();
    const expected = new Map<string, bigint>();
    for (let round = 0; round < 50; round++) {
      for (let g = 0; g < 5; g++) {
        for (let p = 0; p < 4; p++) {
          const offset = BigInt(round * 10 + p);
          const codes = await gc.commitOffsets(`g${g}`, { memberId: '', groupInstanceId: null, generationId: -1 }, [{ topic: 't', partition: p, offset, leaderEpoch: 2, metadata: `r${round}`, retentionMs: -1 }]);
          expect(codes).toEqual([ErrorCode.NONE]);
          expected.set(`g${g}/${p}`, offset);
        }
      }
    }
    // a managed group with a member and an assignment
    const join = await gc.join('managed', { memberId: '', groupInstanceId: 'static-1', clientId: 'c', clientHost: '/h', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('sub') }], requireKnownMemberId: true });
    expect(join.errorCode).toBe(ErrorCode.NONE);
    const sync = await gc.sync('managed', { memberId: join.memberId, groupInstanceId: 'static-1', generationId: 1, protocolType: null, protocolName: null, assignments: [{ memberId: join.memberId, assignment: Buffer.from('assigned') }] });
    expect(sync.errorCode).toBe(ErrorCode.NONE);
    // g4 deleted: offsets and group are tombstoned
    expect(gc.deleteGroup('g4')).toBe(ErrorCode.NONE);
    gc.shutdown();
    expect(log.segmentBaseOffsets().length).toBeGreaterThan(3);
    log.close();

    // restart: reopen the log, a new coordinator loads it
    log = Log.load({ dir, topic: OFFSETS_TOPIC, partition: 0, config, hadCleanShutdown: true }).log;
    fb.lookups.set(`${OFFSETS_TOPIC}-0`, { kind: 'leader', log: leaderLog(log), leaderEpoch: 1, partition: plainLeader(leaderLog(log), 1) });
    const gc2 = new GroupCoordinator(fb.ctx, { groupActors: standaloneGroupActor });
    const loading = gc2.start();
    expect(gc2.heartbeat('managed', { memberId: join.memberId, groupInstanceId: 'static-1', generationId: 1 })).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    await loading;
    for (let g = 0; g < 4; g++) {
      const f = gc2.fetchOffsets(`g${g}`, null);
      expect(f.errorCode).toBe(ErrorCode.NONE);
      expect(f.topics[0]!.partitions.map((p) => [p.partition, p.offset, p.metadata, p.leaderEpoch])).toEqual(
        [0, 1, 2, 3].map((p) => [p, expected.get(`g${g}/${p}`), 'r49', 2]));
    }
    expect(gc2.fetchOffsets('g4', null).topics).toEqual([]);
    expect(gc2.describeGroup('g4').state).toBe('Dead');
    const managed = gc2.describeGroup('managed');
    expect(managed).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(managed.members.map((m) => [m.memberId, m.groupInstanceId, m.assignment.toString()])).toEqual([[join.memberId, 'static-1', 'assigned']]);
    expect(gc2.heartbeat('managed', { memberId: join.memberId, groupInstanceId: 'static-1', generationId: 1 })).toBe(ErrorCode.NONE);
    gc2.shutdown();
    log.close();
  });
});
