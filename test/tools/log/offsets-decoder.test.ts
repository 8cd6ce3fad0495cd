/**
 * `__consumer_offsets` decoders against hand-encoded records of every key/value version (GroupMetadataManager
 * schemas); the real Kafka 2.7.1 records are covered in test/commands/dump-log.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeControlRecord, decodeGroupMetadataValue, decodeOffsetCommitValue, decodeOffsetsKey, decodeOffsetsRecord, formatOffsetsKey,
  formatOffsetsValue, OffsetsDecodeError,
} from '../../../src/tools/log/offsets-decoder.js';

class W {
  parts: Buffer[] = [];
  i16(v: number) { const b = Buffer.alloc(2); b.writeInt16BE(v); this.parts.push(b); return this; }
  i32(v: number) { const b = Buffer.alloc(4); b.writeInt32BE(v); this.parts.push(b); return this; }
  i64(v: number) { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); this.parts.push(b); return this; }
  str(s: string | null) { if (s === null) return this.i16(-1); const b = Buffer.from(s); this.i16(b.length); this.parts.push(b); return this; }
  bytes(n: number) { this.i32(n); this.parts.push(Buffer.alloc(n, 1)); return this; }
  get buf() { return Buffer.concat(this.parts); }
}

describe('offsets key', () => {
  it('v0/v1 offset commit and v2 group metadata', () => {
    for (const v of [0, 1]) {
      expect(decodeOffsetsKey(new W().i16(v).str('g').str('orders').i32(7).buf)).toEqual({ type: 'offset_commit', version: v, group: 'g', topic: 'orders', partition: 7 });
    }
    const k = decodeOffsetsKey(new W().i16(2).str('grp').buf);
    expect(k).toEqual({ type: 'group_metadata', version: 2, group: 'grp' });
    expect(formatOffsetsKey(k)).toBe('group_metadata::group=grp');
  });
  it('rejects unknown versions, short and over-long keys', () => {
    expect(() => decodeOffsetsKey(new W().i16(3).str('g').buf)).toThrow(/unknown key version 3/);
    expect(() => decodeOffsetsKey(new W().i16(1).str('g').str('t').buf)).toThrow(OffsetsDecodeError);
    expect(() => decodeOffsetsKey(Buffer.concat([new W().i16(2).str('g').buf, Buffer.from([0])]))).toThrow(/1 unexpected trailing bytes at byte 5/);
  });
});

describe('offset commit value', () => {
  it('v0..v3', () => {
    expect(decodeOffsetCommitValue(new W().i16(0).i64(5).str('m').i64(100).buf)).toEqual({ type: 'offset_commit', version: 0, offset: 5, leaderEpoch: null, metadata: 'm', commitTimestamp: 100, expireTimestamp: null });
    const v1 = decodeOffsetCommitValue(new W().i16(1).i64(5).str('').i64(100).i64(200).buf);
    expect(v1).toMatchObject({ version: 1, expireTimestamp: 200 });
    expect(formatOffsetsValue(v1)).toBe('offset=5,metadata=,commitTimestamp=100,expireTimestamp=200');
    expect(decodeOffsetCommitValue(new W().i16(2).i64(6).str('x').i64(101).buf)).toMatchObject({ version: 2, offset: 6, commitTimestamp: 101 });
    const v3 = decodeOffsetCommitValue(new W().i16(3).i64(9).i32(4).str('').i64(102).buf);
    expect(v3).toMatchObject({ version: 3, offset: 9, leaderEpoch: 4, commitTimestamp: 102 });
    expect(formatOffsetsValue(v3)).toBe('offset=9,leaderEpoch=4,metadata=,commitTimestamp=102');
    expect(() => decodeOffsetCommitValue(new W().i16(4).buf)).toThrow(/unknown version 4/);
  });
});

describe('group metadata value', () => {
  const member = (w: W, v: number, id: string) => {
    w.str(id);
    if (v >= 3) w.str(v === 3 ? 'inst-1' : null);
    w.str('client').str('/10.0.0.1');
    if (v >= 1) w.i32(60000);
    w.i32(10000).bytes(12).bytes(20);
  };
  it('v0..v3 with members', () => {
    for (const v of [0, 1, 2, 3]) {
      const w = new W().i16(v).str('consumer').i32(3).str('range').str('m-1');
      if (v >= 2) w.i64(1234);
      w.i32(2);
      member(w, v, 'm-1');
      member(w, v, 'm-2');
      const g = decodeGroupMetadataValue(w.buf);
      expect(g).toMatchObject({ version: v, protocolType: 'consumer', generation: 3, protocol: 'range', leader: 'm-1', currentStateTimestamp: v >= 2 ? 1234 : null });
      expect(g.members).toHaveLength(2);
      expect(g.members[1]).toEqual({
        memberId: 'm-2', groupInstanceId: v === 3 ? 'inst-1' : null, clientId: 'client', clientHost: '/10.0.0.1',
        rebalanceTimeout: v >= 1 ? 60000 : null, sessionTimeout: 10000, subscriptionSize: 12, assignmentSize: 20,
      });
    }
  });
  it('empty group (null protocol and leader), truncated value names the field', () => {
    const g = decodeGroupMetadataValue(new W().i16(3).str('consumer').i32(6).str(null).str(null).i64(5).i32(0).buf);
    expect(g).toMatchObject({ protocol: null, leader: null, members: [] });
    const cut = new W().i16(3).str('consumer').i32(6).str(null).str(null).i64(5).i32(1).str('m').buf;
    expect(() => decodeGroupMetadataValue(cut)).toThrow(/members\[0\]\.group_instance_id length at byte \d+ needs 2 bytes/);
  });
});

describe('records', () => {
  it('tombstones and control records', () => {
    expect(decodeOffsetsRecord(new W().i16(2).str('g').buf, null)).toEqual({ key: { type: 'group_metadata', version: 2, group: 'g' }, value: null });
    expect(formatOffsetsValue(null)).toBe('<DELETE>');
    expect(() => decodeOffsetsRecord(null, null)).toThrow(/null key/);
    expect(decodeControlRecord(new W().i16(0).i16(1).buf, new W().i16(0).i32(7).buf)).toEqual({ type: 'COMMIT', version: 0, coordinatorEpoch: 7 });
    expect(decodeControlRecord(new W().i16(0).i16(0).buf, null)).toEqual({ type: 'ABORT', version: 0, coordinatorEpoch: null });
  });
});
