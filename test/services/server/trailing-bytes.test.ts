/**
 * Bytes after a fully read request body are ignored and the request answered, as Kafka's
 * AbstractRequest.parseRequest does (it never checks the buffer's remaining bytes). The frames are byte for byte
 * what librdkafka 2.0.2 sends (src/rdkafka_request.c at v2.0.2):
 * - ListGroups v4 (rd_kafka_ListGroupsRequest, admin ListConsumerGroups without a states filter): the request writes
 *   the top-level tagged fields itself and rd_kafka_buf_finalize writes them again: ONE extra 0x00;
 * - OffsetFetch v7 (rd_kafka_OffsetFetchRequest with parts == NULL, admin ListConsumerGroupOffsets): the topics
 *   array is a 4-byte rd_kafka_buf_write_arraycnt_pos placeholder never finalized, then RequireStable and the
 *   tagged fields: the broker reads 0x00 as a null array (all topics), and THREE bytes remain.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { decodeRequest, decodeResponse } from '../../../src/protocol/frame.js';
import { ProtocolDecodeError } from '../../../src/protocol/primitives/errors.js';
import { CloseConnectionError, type ConnectionInfo } from '../../../src/services/network/connection.js';
import { frameBytes } from '../../../src/services/network/response-send.js';
import { GroupCoordinator } from '../../../src/services/group/group-coordinator.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { call, fakeBroker } from './fake-broker.js';
import { standaloneGroupActor } from '../../../src/machines/group-coordinator.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string) => Buffer.from(s).toString('hex');

/** Request header v2 as librdkafka writes it: api key, version, correlation id, client id 'rdkafka', no tags. */
const headerV2 = (apiKey: string, version: string, correlationId: string) => `${apiKey} ${version} ${correlationId} 0007 ${str('rdkafka')} 00`;

/** ListGroups v4, correlation id 5: StatesFilter [] (compact 0x01), tags, and the duplicate tags byte. */
const LIST_GROUPS_V4 = hex(`${headerV2('0010', '0004', '00000005')} 01 00 00`);
/** OffsetFetch v7, correlation id 6, group 'g': the unfinalized arraycnt placeholder, RequireStable=0, tags. */
const OFFSET_FETCH_V7 = hex(`${headerV2('0009', '0007', '00000006')} 02 ${str('g')} 00000000 00 00`);

const coordinators: GroupCoordinator[] = [];
afterEach(() => { for (const c of coordinators.splice(0)) c.shutdown(); });

function broker() {
  let gc!: GroupCoordinator;
  const logs: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const fb = fakeBroker({ 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1', 'offsets.topic.replication.factor': '1' }, (ctx) => {
    gc = new GroupCoordinator(ctx, { groupActors: standaloneGroupActor, persist: false });
    return createRequestHandler(ctx, { groupCoordinator: gc });
  });
  coordinators.push(gc);
  fb.addTopic('orders', 2);
  const log = fb.ctx.log as unknown as Record<string, unknown>;
  for (const level of ['debug', 'info', 'warn', 'error']) {
    const orig = log[level] as (...a: unknown[]) => void;
    log[level] = (obj: Record<string, unknown>, msg: string) => { logs.push({ level, obj, msg }); orig.call(log, obj, msg); };
  }
  log.isLevelEnabled = () => true;
  return { fb, logs };
}

describe('trailing bytes after a request body (librdkafka 2.0.2)', () => {
  it('decodes the exact frames: the body as Kafka reads it, the rest counted', () => {
    const lg = decodeRequest(LIST_GROUPS_V4);
    expect(lg).toMatchObject({ apiKey: ApiKey.ListGroups, apiVersion: 4, trailingBytes: 1, body: { statesFilter: [] } });
    expect(lg.header).toMatchObject({ correlationId: 5, clientId: 'rdkafka' });
    const of = decodeRequest(OFFSET_FETCH_V7);
    expect(of).toMatchObject({ apiKey: ApiKey.OffsetFetch, apiVersion: 7, trailingBytes: 3, body: { groupId: 'g', topics: null, requireStable: false } });
    // a well-formed request has none
    expect(decodeRequest(LIST_GROUPS_V4.subarray(0, LIST_GROUPS_V4.length - 1)).trailingBytes).toBe(0);
  });

  it('answers both on one connection (ListConsumerGroups lists the group, ListConsumerGroupOffsets gets its offsets), logging once at debug', async () => {
    const { fb, logs } = broker();
    const commit = await call(fb.handler, ApiKey.OffsetCommit, 2, { groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 42n, committedMetadata: null }] }] });
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(0);
    const conn: ConnectionInfo = { id: 'rdkafka-conn', listenerName: 'PLAINTEXT', remoteAddress: '127.0.0.1', remotePort: 40000 };

    const lgOut = await fb.handler(LIST_GROUPS_V4, conn);
    const lg = decodeResponse(frameBytes(lgOut!).subarray(4), ApiKey.ListGroups, 4);
    expect(lg.correlationId).toBe(5);
    expect(lg.body.errorCode).toBe(0);
    expect(lg.body.groups.map((g) => g.groupId)).toEqual(['g']);

    const ofOut = await fb.handler(OFFSET_FETCH_V7, conn);
    const of = decodeResponse(frameBytes(ofOut!).subarray(4), ApiKey.OffsetFetch, 7);
    expect(of.correlationId).toBe(6);
    expect(of.body.errorCode).toBe(0);
    expect(of.body.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.errorCode])])).toEqual([['orders', [[1, 42n, 0]]]]);

    const trailing = logs.filter((l) => /bytes after the body/.test(l.msg));
    expect(trailing).toHaveLength(1); // once per connection, not per request
    expect(trailing[0]).toMatchObject({ level: 'debug', obj: { api: 'ListGroups', apiVersion: 4, trailingBytes: 1 } });
    expect(logs.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });

  it('still closes the connection on genuinely malformed requests (truncated body, bad lengths)', async () => {
    const { fb } = broker();
    const conn: ConnectionInfo = { id: 'c2', listenerName: 'PLAINTEXT', remoteAddress: '127.0.0.1', remotePort: 40001 };
    // OffsetFetch v7 cut inside the group id; a compact string longer than the frame; a truncated header
    for (const bad of [OFFSET_FETCH_V7.subarray(0, 20), hex(`${headerV2('0009', '0007', '00000006')} 7f ${str('g')}`), LIST_GROUPS_V4.subarray(0, 9)]) {
      expect(() => decodeRequest(bad)).toThrow(ProtocolDecodeError);
      await expect(fb.handler(bad, conn)).rejects.toBeInstanceOf(CloseConnectionError);
    }
  });
});
