// A tiny fake Kafka broker for capturing real clients' request frames: it answers just enough
// (ApiVersions, Metadata, Produce, ListOffsets, Fetch, FindCoordinator, InitProducerId, CreateTopics) with our own
// encoder for the clients to go on, and records every request frame it receives.
import net from 'node:net';
import { apiSupport, apiVersionsEntries } from '../../../src/protocol/api-keys.js';
import { decodeRequest, encodeApiVersionsUnsupported, encodeResponse, type DecodedRequest } from '../../../src/protocol/frame.js';

export interface CapturedFrame {
  apiKey: number;
  apiVersion: number;
  /** the frame without its 4-byte size prefix */
  hex: string;
}

export interface FakeBroker {
  port: number;
  frames: CapturedFrame[];
  /** exceptions other than an unsupported ApiVersions version (the tests expect none) */
  errors: Error[];
  close(): Promise<void>;
}

const SUPPORT = apiSupport(['required', 'recommended']);
const TOPIC = 'golden';

function answer(req: DecodedRequest, port: number): Buffer | null {
  const cid = req.header.correlationId;
  const v = req.apiVersion;
  switch (req.apiKey) {
    case 18:
      return encodeResponse(cid, 18, v, {
        errorCode: 0,
        apiKeys: apiVersionsEntries(SUPPORT),
      });
    case 3: {
      const names = req.body.topics === null || req.body.topics.length === 0 ? [TOPIC] : req.body.topics.map((t) => t.name ?? TOPIC);
      return encodeResponse(cid, 3, v, {
        brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }],
        clusterId: 'golden-cluster',
        controllerId: 1,
        topics: names.map((name) => ({
          errorCode: 0,
          name,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] }],
        })),
      });
    }
    case 0:
      if (req.body.acks === 0) return null;
      return encodeResponse(cid, 0, v, {
        responses: req.body.topicData.map((t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: 0, baseOffset: 0n, logStartOffset: 0n })),
        })),
      });
    case 2:
      return encodeResponse(cid, 2, v, {
        topics: req.body.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0, timestamp: -1n, offset: 0n, oldStyleOffsets: v === 0 ? [0n] : [] })),
        })),
      });
    case 1:
      return encodeResponse(cid, 1, v, {
        responses: req.body.topics.map((t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: 0, highWatermark: 0n, lastStableOffset: 0n, logStartOffset: 0n, records: Buffer.alloc(0) })),
        })),
      });
    case 10:
      return encodeResponse(cid, 10, v, {
        nodeId: 1,
        host: '127.0.0.1',
        port,
        coordinators: req.body.coordinatorKeys.map((key) => ({ key, nodeId: 1, host: '127.0.0.1', port, errorCode: 0 })),
      });
    case 22:
      return encodeResponse(cid, 22, v, { errorCode: 0, producerId: 1000n, producerEpoch: 0 });
    case 11: {
      // one-member groups: v4+ first gets MEMBER_ID_REQUIRED (KIP-394), then the member leads alone
      const proto = req.body.protocols[0];
      if (req.body.memberId === '' && v >= 4) {
        return encodeResponse(cid, 11, v, { errorCode: 79, memberId: 'member-1', protocolName: v >= 7 ? null : '' });
      }
      const memberId = req.body.memberId === '' ? 'member-1' : req.body.memberId;
      return encodeResponse(cid, 11, v, {
        errorCode: 0,
        generationId: 1,
        protocolType: req.body.protocolType,
        protocolName: proto?.name ?? '',
        leader: memberId,
        memberId,
        members: [{ memberId, metadata: proto?.metadata ?? Buffer.alloc(0) }],
      });
    }
    case 14:
      return encodeResponse(cid, 14, v, {
        errorCode: 0,
        protocolType: req.body.protocolType,
        protocolName: req.body.protocolName,
        assignment: req.body.assignments.find((a) => a.memberId === req.body.memberId)?.assignment ?? Buffer.alloc(0),
      });
    case 12:
      return encodeResponse(cid, 12, v, { errorCode: 0 });
    case 13:
      return encodeResponse(cid, 13, v, {
        errorCode: 0,
        members: req.body.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: 0 })),
      });
    case 9: {
      const none = (topics: { name: string; partitionIndexes: number[] }[] | null) =>
        (topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, metadata: '', errorCode: 0 })),
        }));
      return encodeResponse(cid, 9, v, {
        topics: none(req.body.topics),
        groups: req.body.groups.map((g) => ({ groupId: g.groupId, topics: none(g.topics) })),
      });
    }
    case 8:
      return encodeResponse(cid, 8, v, {
        topics: req.body.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })) })),
      });
    case 20:
      return encodeResponse(cid, 20, v, {
        responses: [...req.body.topicNames, ...req.body.topics.map((t) => t.name ?? '')].map((name) => ({ name, errorCode: 0 })),
      });
    case 32:
      return encodeResponse(cid, 32, v, {
        results: req.body.resources.map((r) => ({
          errorCode: 0,
          errorMessage: null,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs: [{ name: 'cleanup.policy', value: 'delete', readOnly: false, isDefault: v === 0, configSource: 5, isSensitive: false, synonyms: [], configType: 2, documentation: null }],
        })),
      });
    case 16:
      return encodeResponse(cid, 16, v, { errorCode: 0, groups: [{ groupId: 'golden-group', protocolType: 'consumer', groupState: 'Stable' }] });
    case 15:
      return encodeResponse(cid, 15, v, {
        groups: req.body.groups.map((groupId) => ({ errorCode: 0, groupId, groupState: 'Empty', protocolType: 'consumer', protocolData: '', members: [] })),
      });
    case 42:
      return encodeResponse(cid, 42, v, { results: req.body.groupsNames.map((groupId) => ({ groupId, errorCode: 0 })) });
    case 37:
      return encodeResponse(cid, 37, v, { results: req.body.topics.map((t) => ({ name: t.name, errorCode: 0, errorMessage: null })) });
    case 19:
      return encodeResponse(cid, 19, v, {
        topics: req.body.topics.map((t) => ({ name: t.name, errorCode: 0, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor })),
      });
  }
  return null;
}

export async function startFakeBroker(): Promise<FakeBroker> {
  const frames: CapturedFrame[] = [];
  const errors: Error[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let pending = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (pending.length < 4 + size) break;
        const frame = Buffer.from(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
        const apiKey = frame.readInt16BE(0);
        const apiVersion = frame.readInt16BE(2);
        // keep the first 3 frames of each (key, version): clients poll Fetch in a loop
        if (frames.filter((f) => f.apiKey === apiKey && f.apiVersion === apiVersion).length < 3) {
          frames.push({ apiKey, apiVersion, hex: frame.toString('hex') });
        }
        let out: Buffer | null = null;
        let delay = 0;
        try {
          const req = decodeRequest(frame, SUPPORT);
          // answer an empty Fetch after its max wait (at most 200 ms), as a broker would
          if (req.apiKey === 1) delay = Math.min(200, Math.max(0, req.body.maxWaitMs));
          out = answer(req, port);
        } catch (e) {
          const err = e as { kind?: string; header?: { requestApiKey: number; correlationId: number } };
          if (err.kind === 'unsupported-version' && err.header?.requestApiKey === 18) out = encodeApiVersionsUnsupported(err.header.correlationId, SUPPORT);
          else errors.push(e as Error);
        }
        if (out) {
          const reply = out;
          if (delay > 0) setTimeout(() => sock.writable && sock.write(reply), delay);
          else sock.write(reply);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    frames,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
