/**
 * The authorize calls of Kafka's KafkaApis, applied around the request handlers (kafka-apis.ts calls
 * {@link authorizeRequest} before a handler and merges after), so the handlers stay authorization-free:
 *  - per-topic APIs (Produce WRITE, consumer Fetch READ, ListOffsets DESCRIBE, CreateTopics CREATE on the cluster or
 *    the topic, DeleteTopics DELETE): unauthorized topics are taken out of the request and answered
 *    TOPIC_AUTHORIZATION_FAILED (the handler's own error response for just those topics), the rest is handled;
 *  - Metadata: topics the principal may not DESCRIBE are left out of an all-topics answer and answered
 *    TOPIC_AUTHORIZATION_FAILED when named; auto-creation needs CREATE on the cluster or the topic;
 *  - single-group APIs (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit READ; OffsetFetch v0-7,
 *    FindCoordinator for a group DESCRIBE): GROUP_AUTHORIZATION_FAILED for the whole request;
 *  - follower Fetch and the controller-to-broker APIs need CLUSTER_ACTION on the cluster
 *    (TOPIC_AUTHORIZATION_FAILED on every partition / CLUSTER_AUTHORIZATION_FAILED).
 *  - cluster admin APIs: ElectLeaders, AlterPartitionReassignments ALTER; ListPartitionReassignments, DescribeLogDirs
 *    DESCRIBE; CreateAcls / DeleteAcls ALTER, DescribeAcls DESCRIBE; DescribeClientQuotas DESCRIBE_CONFIGS; AlterClientQuotas ALTER_CONFIGS; WriteTxnMarkers CLUSTER_ACTION
 *    (CLUSTER_AUTHORIZATION_FAILED for the whole request); DeleteRecords DELETE and CreatePartitions ALTER per topic;
 *  - transactions: InitProducerId with a transactional id, AddPartitionsToTxn v0-3, AddOffsetsToTxn, EndTxn and
 *    TxnOffsetCommit need WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); AddOffsetsToTxn and
 *    TxnOffsetCommit READ on the group (GROUP_AUTHORIZATION_FAILED).
 * Not covered yet (allowed as before): configs, DeleteGroups, DescribeGroups, ListGroups, OffsetDelete, batched
 * OffsetFetch v8+, idempotent InitProducerId (IDEMPOTENT_WRITE), AddPartitionsToTxn's per-topic WRITE and v4,
 * DescribeTransactions / ListTransactions / DescribeProducers, OffsetCommit's per-topic READ.
 */
import { ApiKey } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { DecodedRequest } from '../../protocol/frame.js';
import type { ConnectionInfo } from '../network/connection.js';
import { CLUSTER_NAME, type AclOperation, type ResourceType } from './acl.js';
import { ANONYMOUS, principalToString } from './principal.js';

export interface Authorizer {
  authorize(principal: string, host: string, operation: AclOperation, resourceType: ResourceType, name: string): boolean;
}

/** What the gate needs of a handler: its Kafka error response for a (sub-)request. */
export interface ErrorResponder { errorResponse(req: never, errorCode: number, message: string | null): unknown }

export type Gate =
  | { kind: 'deny'; body: unknown }
  | { kind: 'proceed'; req: DecodedRequest; merge(body: unknown): unknown };

const INTER_BROKER: ReadonlySet<number> = new Set([ApiKey.LeaderAndIsr, ApiKey.StopReplica, ApiKey.UpdateMetadata, ApiKey.ControlledShutdown, ApiKey.AlterPartition]);
const GROUP_READ: ReadonlySet<number> = new Set([ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.LeaveGroup, ApiKey.OffsetCommit]);
/** Whole-request checks on the cluster resource (KafkaApis: authHelper.authorize(..., CLUSTER, CLUSTER_NAME)). */
const CLUSTER_OPERATION: ReadonlyMap<number, AclOperation> = new Map<number, AclOperation>([
  [ApiKey.ElectLeaders, 'Alter'], [ApiKey.AlterPartitionReassignments, 'Alter'], [ApiKey.ListPartitionReassignments, 'Describe'],
  [ApiKey.DescribeLogDirs, 'Describe'], [ApiKey.DescribeClientQuotas, 'DescribeConfigs'], [ApiKey.AlterClientQuotas, 'AlterConfigs'],
  [ApiKey.WriteTxnMarkers, 'ClusterAction'], [ApiKey.CreateAcls, 'Alter'], [ApiKey.DescribeAcls, 'Describe'], [ApiKey.DeleteAcls, 'Alter'],
]);
/** Transactional APIs: WRITE on the transactional id; those naming a group also READ on it. */
const TXN_WRITE: ReadonlySet<number> = new Set([ApiKey.InitProducerId, ApiKey.AddPartitionsToTxn, ApiKey.AddOffsetsToTxn, ApiKey.EndTxn, ApiKey.TxnOffsetCommit]);

const hostOf = (conn: ConnectionInfo): string => conn.remoteAddress.replace(/^::ffff:/, '');

/** Splits a request's topic list by `allowed`; answers the rest with the handler's error response. */
function splitTopics<T>(req: DecodedRequest, handler: ErrorResponder, reqField: string, respField: string,
  nameOf: (t: T) => string | null, allowed: (name: string) => boolean): Gate | null {
  const body = req.body as unknown as Record<string, T[]>;
  const list = body[reqField];
  if (!Array.isArray(list)) return null;
  const denied = list.filter((t) => { const n = nameOf(t); return n !== null && !allowed(n); });
  if (denied.length === 0) return null;
  const kept = list.filter((t) => !denied.includes(t));
  const deniedBody = handler.errorResponse({ ...req, body: { ...body, [reqField]: denied } } as never, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null) as Record<string, unknown>;
  const deniedEntries = (deniedBody[respField] ?? []) as unknown[];
  if (kept.length === 0) return { kind: 'deny', body: deniedBody };
  return {
    kind: 'proceed',
    req: { ...req, body: { ...body, [reqField]: kept } } as unknown as DecodedRequest,
    merge: (out) => {
      if (out === null || typeof out !== 'object') return out;
      const o = out as Record<string, unknown>;
      return { ...o, [respField]: [...((o[respField] ?? []) as unknown[]), ...deniedEntries] };
    },
  };
}

interface MetadataTopicOut { errorCode: number; name: string | null }

export function authorizeRequest(authorizer: Authorizer, req: DecodedRequest, conn: ConnectionInfo, handler: ErrorResponder,
  topicExists: (name: string) => boolean): Gate | null {
  const principal = principalToString(conn.principal ?? ANONYMOUS);
  const host = hostOf(conn);
  const can = (op: AclOperation, type: ResourceType, name: string) => authorizer.authorize(principal, host, op, type, name);
  const onTopic = (op: AclOperation) => (name: string) => can(op, 'Topic', name);
  const deny = (code: number): Gate => ({ kind: 'deny', body: handler.errorResponse(req as never, code, null) });

  if (INTER_BROKER.has(req.apiKey)) return can('ClusterAction', 'Cluster', CLUSTER_NAME) ? null : deny(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const clusterOp = CLUSTER_OPERATION.get(req.apiKey);
  if (clusterOp) return can(clusterOp, 'Cluster', CLUSTER_NAME) ? null : deny(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  if (TXN_WRITE.has(req.apiKey)) {
    const b = req.body as { transactionalId?: string | null; groupId?: string };
    if (typeof b.transactionalId === 'string' && !can('Write', 'TransactionalId', b.transactionalId)) return deny(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (typeof b.groupId === 'string' && !can('Read', 'Group', b.groupId)) return deny(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    return null;
  }
  if (GROUP_READ.has(req.apiKey)) {
    const groupId = (req.body as { groupId: string }).groupId;
    return can('Read', 'Group', groupId) ? null : deny(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  }
  switch (req.apiKey) {
    case ApiKey.Produce:
      return splitTopics<{ name: string }>(req, handler, 'topicData', 'responses', (t) => t.name, onTopic('Write'));
    case ApiKey.Fetch: {
      const b = req.body as { replicaId?: number; replicaState?: { replicaId: number } };
      const replicaId = b.replicaState?.replicaId ?? b.replicaId ?? -1;
      if (replicaId >= 0) return can('ClusterAction', 'Cluster', CLUSTER_NAME) ? null : deny(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      return splitTopics<{ topic: string }>(req, handler, 'topics', 'responses', (t) => t.topic, onTopic('Read'));
    }
    case ApiKey.DeleteRecords:
      return splitTopics<{ name: string }>(req, handler, 'topics', 'topics', (t) => t.name, onTopic('Delete'));
    case ApiKey.CreatePartitions:
      return splitTopics<{ name: string }>(req, handler, 'topics', 'results', (t) => t.name, onTopic('Alter'));
    case ApiKey.ListOffsets:
      return splitTopics<{ name: string }>(req, handler, 'topics', 'topics', (t) => t.name, onTopic('Describe'));
    case ApiKey.CreateTopics:
      if (can('Create', 'Cluster', CLUSTER_NAME)) return null;
      return splitTopics<{ name: string }>(req, handler, 'topics', 'topics', (t) => t.name, onTopic('Create'));
    case ApiKey.DeleteTopics: {
      const v6 = Array.isArray((req.body as { topics?: unknown }).topics) && req.apiVersion >= 6;
      return v6
        ? splitTopics<{ name: string | null }>(req, handler, 'topics', 'responses', (t) => t.name, onTopic('Delete'))
        : splitTopics<string>(req, handler, 'topicNames', 'responses', (t) => t, onTopic('Delete'));
    }
    case ApiKey.OffsetFetch: {
      const groupId = (req.body as { groupId?: string }).groupId;
      if (req.apiVersion <= 7 && typeof groupId === 'string' && !can('Describe', 'Group', groupId)) return deny(ErrorCode.GROUP_AUTHORIZATION_FAILED);
      return null;
    }
    case ApiKey.FindCoordinator: {
      const b = req.body as { key?: string; keyType?: number; coordinatorKeys?: string[] };
      if ((b.keyType ?? 0) !== 0) return null;
      const keys = b.key !== undefined && req.apiVersion <= 3 ? [b.key] : (b.coordinatorKeys ?? []);
      return keys.every((k) => can('Describe', 'Group', k)) ? null : deny(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    }
    case ApiKey.Metadata:
      return metadataGate(req, can, topicExists);
    default:
      return null;
  }
}

/** KafkaApis.handleTopicMetadataRequest's filtering (see the file header). */
function metadataGate(req: DecodedRequest, can: (op: AclOperation, type: ResourceType, name: string) => boolean, topicExists: (name: string) => boolean): Gate {
  const body = req.body as { topics: Array<{ name: string | null; topicId?: string }> | null; allowAutoTopicCreation?: boolean };
  const describe = (n: string) => can('Describe', 'Topic', n);
  const filterOut = (out: unknown): unknown => {
    if (out === null || typeof out !== 'object') return out;
    const o = out as { topics: MetadataTopicOut[] };
    return { ...o, topics: o.topics.filter((t) => t.name === null || describe(t.name)) };
  };
  if (body.topics === null || (req.apiVersion === 0 && body.topics.length === 0)) return { kind: 'proceed', req, merge: filterOut };
  const mayCreate = (n: string) => can('Create', 'Cluster', CLUSTER_NAME) || can('Create', 'Topic', n);
  const denied = body.topics.filter((t) => t.name !== null && (!describe(t.name) || (body.allowAutoTopicCreation !== false && !topicExists(t.name) && !mayCreate(t.name))));
  const kept = body.topics.filter((t) => !denied.includes(t));
  const deniedOut = denied.map((t) => ({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name: t.name, topicId: '00000000-0000-0000-0000-000000000000', isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 }));
  return {
    kind: 'proceed',
    req: { ...req, body: { ...body, topics: kept } } as unknown as DecodedRequest,
    merge: (out) => {
      if (out === null || typeof out !== 'object') return out;
      const o = out as { topics: MetadataTopicOut[] };
      return { ...o, topics: [...o.topics.filter((t) => t.name === null || describe(t.name)), ...deniedOut] };
    },
  };
}
