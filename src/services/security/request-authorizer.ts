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
 *    DESCRIBE; CreateAcls / DeleteAcls ALTER, DescribeAcls DESCRIBE; DescribeUserScramCredentials DESCRIBE, AlterUserScramCredentials ALTER; DescribeClientQuotas DESCRIBE_CONFIGS; AlterClientQuotas ALTER_CONFIGS; WriteTxnMarkers CLUSTER_ACTION
 *    (CLUSTER_AUTHORIZATION_FAILED for the whole request); DeleteRecords DELETE and CreatePartitions ALTER per topic;
 *  - transactions: InitProducerId with a transactional id, AddPartitionsToTxn v0-3, AddOffsetsToTxn, EndTxn and
 *    TxnOffsetCommit need WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); AddOffsetsToTxn and
 *    TxnOffsetCommit READ on the group (GROUP_AUTHORIZATION_FAILED); TxnOffsetCommit READ per topic; AddPartitionsToTxn
 *    WRITE per topic, all or nothing (the others OPERATION_NOT_ATTEMPTED); a Produce carrying transactional batches
 *    WRITE on its transactional id; an idempotent InitProducerId IDEMPOTENT_WRITE on the cluster or WRITE on any topic
 *    (authorizeByResourceType) else CLUSTER_AUTHORIZATION_FAILED; DescribeTransactions DESCRIBE per id (partitions of
 *    topics not describable hidden), ListTransactions filtered by DESCRIBE on the id, DescribeProducers READ per topic;
 *  - configs: DescribeConfigs / AlterConfigs / IncrementalAlterConfigs DESCRIBE_CONFIGS / ALTER_CONFIGS on the cluster
 *    for BROKER, BROKER_LOGGER, CLIENT_METRICS resources (CLUSTER_AUTHORIZATION_FAILED), on the topic for TOPIC ones
 *    (TOPIC_AUTHORIZATION_FAILED), per resource;
 *  - groups: DescribeGroups DESCRIBE and DeleteGroups DELETE per group; ListGroups all groups with DESCRIBE on the
 *    cluster, else only the groups the principal may DESCRIBE; OffsetDelete DELETE on the group + READ per topic;
 *    OffsetCommit READ per topic; OffsetFetch (every version) DESCRIBE per group and per topic (named topics answered
 *    TOPIC_AUTHORIZATION_FAILED, all-topics answers filtered); OffsetForLeaderEpoch CLUSTER_ACTION or DESCRIBE per topic.
 *  - the authorized-operations fields (KIP-430), when the client asks for them: Metadata v8+ per topic and v8-10 for
 *    the cluster, DescribeGroups v3+ per group answered without error, DescribeCluster: AuthHelper.authorizedOperations
 *    (the supported operations of the resource type the principal is allowed), the cluster's 0 without DESCRIBE on it;
 *  - CreateTopics returns a created topic's configs, partition count, replication factor and id only with
 *    DESCRIBE_CONFIGS on it, else topicConfigErrorCode TOPIC_AUTHORIZATION_FAILED.
 * AddPartitionsToTxn v4+ (broker to broker, KIP-890) needs CLUSTER_ACTION on the cluster, and nothing else.
 */
import { ApiKey } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { DecodedRequest } from '../../protocol/frame.js';
import type { ConnectionInfo } from '../network/connection.js';
import { CLUSTER_NAME, authorizedOperations, type AclOperation, type ResourceType } from './acl.js';
import { ANONYMOUS, principalToString } from './principal.js';

export interface Authorizer {
  authorize(principal: string, host: string, operation: AclOperation, resourceType: ResourceType, name: string): boolean;
  /** Authorizer.authorizeByResourceType (KIP-679): `operation` allowed on some resource of the type (absent = no). */
  authorizeByResourceType?(principal: string, host: string, operation: AclOperation, resourceType: ResourceType): boolean;
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
  [ApiKey.DescribeLogDirs, 'Describe'], [ApiKey.AlterReplicaLogDirs, 'Alter'], [ApiKey.DescribeClientQuotas, 'DescribeConfigs'], [ApiKey.AlterClientQuotas, 'AlterConfigs'],
  [ApiKey.WriteTxnMarkers, 'ClusterAction'], [ApiKey.CreateAcls, 'Alter'], [ApiKey.DescribeAcls, 'Describe'], [ApiKey.DeleteAcls, 'Alter'],
  [ApiKey.DescribeUserScramCredentials, 'Describe'], [ApiKey.AlterUserScramCredentials, 'Alter'],
]);
/** Transactional APIs: WRITE on the transactional id; those naming a group also READ on it. */
const TXN_WRITE: ReadonlySet<number> = new Set([ApiKey.InitProducerId, ApiKey.AddPartitionsToTxn, ApiKey.AddOffsetsToTxn, ApiKey.EndTxn, ApiKey.TxnOffsetCommit]);

const hostOf = (conn: ConnectionInfo): string => conn.remoteAddress.replace(/^::ffff:/, '');

/** ConfigResource.Type ids: TOPIC 2, BROKER 4, BROKER_LOGGER 8, CLIENT_METRICS 16. */
const CONFIG_TOPIC = 2;
/** Topic.isInternal. */
const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);
const CLUSTER_CONFIG_TYPES: ReadonlySet<number> = new Set([4, 8, 16]);

interface SplitOptions<T> {
  /** The response entries for denied items answered `code` (default: the handler's errorResponse for just them). */
  deniedEntries?: (denied: T[], code: number) => unknown[];
  /** Still call the handler with an empty list when everything is denied (Kafka does for OffsetDelete). */
  proceedWhenEmpty?: boolean;
  /** Error message for denied entries (DescribeConfigs: Kafka's default message of the error). */
  message?: (code: number) => string | null;
}

/**
 * Splits a request's list by `errorOf` (null = authorized); denied items are answered with the error code it
 * returned (the handler's own error response for just them), the rest is handled and the answers merged after.
 */
function splitBy<T>(req: DecodedRequest, handler: ErrorResponder, reqField: string, respField: string,
  errorOf: (t: T) => number | null, opts: SplitOptions<T> = {}): Gate | null {
  const body = req.body as unknown as Record<string, T[]>;
  const list = body[reqField];
  if (!Array.isArray(list)) return null;
  const codes = list.map(errorOf);
  if (codes.every((c) => c === null)) return null;
  const kept = list.filter((_, i) => codes[i] === null);
  const byCode = new Map<number, T[]>();
  list.forEach((t, i) => { const c = codes[i]; if (c !== null) byCode.set(c, [...(byCode.get(c) ?? []), t]); });
  let deniedBody: Record<string, unknown> | null = null;
  const deniedEntries: unknown[] = [];
  for (const [code, denied] of byCode) {
    const b = handler.errorResponse({ ...req, body: { ...body, [reqField]: denied } } as never, code, opts.message?.(code) ?? null) as Record<string, unknown>;
    deniedBody ??= b;
    deniedEntries.push(...(opts.deniedEntries ? opts.deniedEntries(denied, code) : ((b[respField] ?? []) as unknown[])));
  }
  if (kept.length === 0 && !opts.proceedWhenEmpty) return { kind: 'deny', body: { ...deniedBody, [respField]: deniedEntries } };
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

/** Kept for the topic APIs: TOPIC_AUTHORIZATION_FAILED for the topics `allowed` refuses. */
function splitTopics<T>(req: DecodedRequest, handler: ErrorResponder, reqField: string, respField: string,
  nameOf: (t: T) => string | null, allowed: (name: string) => boolean, opts: SplitOptions<T> = {}): Gate | null {
  return splitBy<T>(req, handler, reqField, respField, (t) => { const n = nameOf(t); return n !== null && !allowed(n) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : null; }, opts);
}

/** A gate that only rewrites the handler's answer (filters). */
const filterAnswer = (req: DecodedRequest, merge: (out: Record<string, unknown>) => unknown): Gate =>
  ({ kind: 'proceed', req, merge: (out) => (out === null || typeof out !== 'object' ? out : merge(out as Record<string, unknown>)) });

/** Applies `then` after `first` (both may be null = nothing to do); a deny of `first` wins. */
function chain(first: Gate | null, then: (req: DecodedRequest) => Gate | null, req: DecodedRequest): Gate | null {
  if (first?.kind === 'deny') return first;
  const second = then(first ? first.req : req);
  if (!first) return second;
  if (!second) return first;
  if (second.kind === 'deny') return { kind: 'proceed', req: first.req, merge: () => first.merge(second.body) };
  return { kind: 'proceed', req: second.req, merge: (out) => first.merge(second.merge(out)) };
}

/** RequestUtils.hasTransactionalRecords: a v2 batch (magic at byte 16) with the transactional attribute bit (0x10 of byte 22). */
function hasTransactionalRecords(req: DecodedRequest): boolean {
  const topics = (req.body as { topicData?: Array<{ partitionData: Array<{ records: Uint8Array | null }> }> }).topicData ?? [];
  for (const t of topics) {
    for (const p of t.partitionData ?? []) {
      const r = p.records;
      if (r && r.length >= 23 && r[16] === 2 && (r[22] & 0x10) !== 0) return true;
    }
  }
  return false;
}

interface MetadataTopicOut { errorCode: number; name: string | null; topicAuthorizedOperations?: number }
type Can = (op: AclOperation, type: ResourceType, name: string) => boolean;

/** The schemas' "not requested" value of the *AuthorizedOperations fields (Int.MinValue). */
const OMITTED = -2147483648;

/** AuthHelper.authorizedOperations for one resource, through this request's principal. */
const opsOn = (can: Can, type: ResourceType, name: string): number => authorizedOperations((op) => can(op, type, name), type);

/**
 * Metadata v8-10 / DescribeCluster: clusterAuthorizedOperations, when asked (the handler answered something other than
 * Int.MinValue), is the cluster's authorized operations if DESCRIBE on the cluster is allowed, else 0 (KafkaApis).
 */
const clusterOps = (can: Can, current: unknown): unknown =>
  (typeof current !== 'number' || current === OMITTED ? current : can('Describe', 'Cluster', CLUSTER_NAME) ? opsOn(can, 'Cluster', CLUSTER_NAME) : 0);

/**
 * Metadata v8+: the described topics' topicAuthorizedOperations, when asked, computed per topic (those answered
 * TOPIC_AUTHORIZATION_FAILED by the gate and unknown topic ids keep Int.MinValue, as Kafka's), and the cluster's.
 */
function withAuthorizedOperations<O extends { topics: MetadataTopicOut[]; clusterAuthorizedOperations?: unknown }>(o: O, can: Can): O {
  return {
    ...o,
    topics: o.topics.map((t) => (t.topicAuthorizedOperations === undefined || t.topicAuthorizedOperations === OMITTED ? t
      : { ...t, topicAuthorizedOperations: t.name === null ? OMITTED : opsOn(can, 'Topic', t.name) })),
    ...(o.clusterAuthorizedOperations === undefined ? {} : { clusterAuthorizedOperations: clusterOps(can, o.clusterAuthorizedOperations) }),
  };
}
type OffsetFetchTopicOut = { name: string; partitions: Array<{ partitionIndex: number }> };

/**
 * Whether the connection's principal may READ `topic`: Fetch re-checks the partitions an incremental fetch takes from
 * its session, which the gate below never sees (KafkaApis.handleFetchRequest authorizes the whole fetch context).
 */
export function mayReadTopic(authorizer: Authorizer, conn: ConnectionInfo, topic: string): boolean {
  return authorizer.authorize(principalToString(conn.principal ?? ANONYMOUS), hostOf(conn), 'Read', 'Topic', topic);
}

export function authorizeRequest(authorizer: Authorizer, req: DecodedRequest, conn: ConnectionInfo, handler: ErrorResponder,
  topicExists: (name: string) => boolean): Gate | null {
  const principal = principalToString(conn.principal ?? ANONYMOUS);
  const host = hostOf(conn);
  const can = (op: AclOperation, type: ResourceType, name: string) => authorizer.authorize(principal, host, op, type, name);
  const onTopic = (op: AclOperation) => (name: string) => can(op, 'Topic', name);
  const deny = (code: number): Gate => ({ kind: 'deny', body: handler.errorResponse(req as never, code, null) });
  const groupGate = (op: AclOperation, groupId: string): Gate | null => (can(op, 'Group', groupId) ? null : deny(ErrorCode.GROUP_AUTHORIZATION_FAILED));

  if (INTER_BROKER.has(req.apiKey)) return can('ClusterAction', 'Cluster', CLUSTER_NAME) ? null : deny(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const clusterOp = CLUSTER_OPERATION.get(req.apiKey);
  if (clusterOp) return can(clusterOp, 'Cluster', CLUSTER_NAME) ? null : deny(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  if (req.apiKey === ApiKey.AddPartitionsToTxn && req.apiVersion >= 4) {
    // v4+ comes only from brokers (KIP-890 verification): CLUSTER_ACTION, and no WRITE checks (handleAddPartitionsToTxnRequest)
    return can('ClusterAction', 'Cluster', CLUSTER_NAME) ? null : deny(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  }
  if (TXN_WRITE.has(req.apiKey)) {
    const b = req.body as { transactionalId?: string | null; v3AndBelowTransactionalId?: string; groupId?: string; topics?: unknown[] };
    const txnId = req.apiKey === ApiKey.AddPartitionsToTxn ? b.v3AndBelowTransactionalId : b.transactionalId;
    if (typeof txnId === 'string' && !can('Write', 'TransactionalId', txnId)) return deny(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (req.apiKey === ApiKey.InitProducerId && typeof txnId !== 'string') {
      // idempotent producer: IDEMPOTENT_WRITE on the cluster, or WRITE on any topic (KIP-679, Kafka 3.0+)
      const ok = can('IdempotentWrite', 'Cluster', CLUSTER_NAME) || (authorizer.authorizeByResourceType?.(principal, host, 'Write', 'Topic') ?? false);
      return ok ? null : deny(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    }
    if (typeof b.groupId === 'string' && !can('Read', 'Group', b.groupId)) return deny(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    if (req.apiKey === ApiKey.TxnOffsetCommit) return splitTopics<{ name: string }>(req, handler, 'topics', 'topics', (t) => t.name, onTopic('Read'));
    if (req.apiKey === ApiKey.AddPartitionsToTxn) return addPartitionsToTxnTopics(req, handler, onTopic('Write'));
    return null;
  }
  if (GROUP_READ.has(req.apiKey)) {
    const groupId = (req.body as { groupId: string }).groupId;
    const g = groupGate('Read', groupId);
    if (g || req.apiKey !== ApiKey.OffsetCommit) return g;
    return splitTopics<{ name: string }>(req, handler, 'topics', 'topics', (t) => t.name, onTopic('Read'));
  }
  switch (req.apiKey) {
    case ApiKey.Produce: {
      const txnId = (req.body as { transactionalId?: string | null }).transactionalId ?? null;
      if (hasTransactionalRecords(req) && (txnId === null || !can('Write', 'TransactionalId', txnId))) return deny(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      return splitTopics<{ name: string }>(req, handler, 'topicData', 'responses', (t) => t.name, onTopic('Write'));
    }
    case ApiKey.Fetch: {
      const b = req.body as { replicaId?: number; replicaState?: { replicaId: number } };
      const replicaId = b.replicaState?.replicaId ?? b.replicaId ?? -1;
      if (replicaId >= 0) return can('ClusterAction', 'Cluster', CLUSTER_NAME) ? null : deny(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      // a full fetch that opens a fetch session (v7+, epoch 0): the Fetch handler authorizes every partition itself and
      // keeps the denied ones in the new session as erroneous (Kafka's handleFetchRequest), so that READ granted later
      // reaches them without a new session (X, issue 11; handlers/fetch.ts re-checks READ on every consumer fetch)
      if (req.apiVersion >= 7 && (req.body as { sessionEpoch?: number }).sessionEpoch === 0) return null;
      return splitTopics<{ topic: string }>(req, handler, 'topics', 'responses', (t) => t.topic, onTopic('Read'));
    }
    case ApiKey.DeleteRecords:
      return splitTopics<{ name: string }>(req, handler, 'topics', 'topics', (t) => t.name, onTopic('Delete'));
    case ApiKey.CreatePartitions:
      return splitTopics<{ name: string }>(req, handler, 'topics', 'results', (t) => t.name, onTopic('Alter'));
    case ApiKey.ListOffsets:
      return splitTopics<{ name: string }>(req, handler, 'topics', 'topics', (t) => t.name, onTopic('Describe'));
    case ApiKey.OffsetForLeaderEpoch:
      // KIP-320: CLUSTER_ACTION (followers) or DESCRIBE per topic (consumers)
      if (can('ClusterAction', 'Cluster', CLUSTER_NAME)) return null;
      return splitTopics<{ topic: string; partitions: Array<{ partition: number }> }>(req, handler, 'topics', 'topics', (t) => t.topic, onTopic('Describe'), {
        deniedEntries: (ts, code) => ts.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ errorCode: code, partition: p.partition, leaderEpoch: -1, endOffset: -1n })) })),
      });
    case ApiKey.CreateTopics: {
      // CREATE on the cluster or per topic ("Authorization failed."); then DESCRIBE_CONFIGS per topic decides whether
      // the configs, partition count, replication factor and topic id of a created topic are returned
      const create = can('Create', 'Cluster', CLUSTER_NAME) ? null
        : splitTopics<{ name: string }>(req, handler, 'topics', 'topics', (t) => t.name, onTopic('Create'), { message: () => 'Authorization failed.' });
      const rewrite = createTopicsConfigsRewrite(req, onTopic('DescribeConfigs'));
      if (!rewrite) return create;
      if (create?.kind === 'deny') return { kind: 'deny', body: rewrite(create.body as Record<string, unknown>) };
      const inner = create ?? { kind: 'proceed', req, merge: (out: unknown) => out };
      return { kind: 'proceed', req: inner.req, merge: (out) => { const m = inner.merge(out); return m === null || typeof m !== 'object' ? m : rewrite(m as Record<string, unknown>); } };
    }
    case ApiKey.DeleteTopics: {
      const v6 = Array.isArray((req.body as { topics?: unknown }).topics) && req.apiVersion >= 6;
      return v6
        ? splitTopics<{ name: string | null }>(req, handler, 'topics', 'responses', (t) => t.name, onTopic('Delete'))
        : splitTopics<string>(req, handler, 'topicNames', 'responses', (t) => t, onTopic('Delete'));
    }
    case ApiKey.DescribeConfigs:
      return splitBy<{ resourceType: number; resourceName: string }>(req, handler, 'resources', 'results', configErrorOf(can, 'DescribeConfigs'), {
        message: (code) => (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED ? 'Topic authorization failed.' : 'Cluster authorization failed.'),
      });
    case ApiKey.AlterConfigs:
    case ApiKey.IncrementalAlterConfigs:
      return splitBy<{ resourceType: number; resourceName: string }>(req, handler, 'resources', 'responses', configErrorOf(can, 'AlterConfigs'));
    case ApiKey.DescribeGroups: {
      // DESCRIBE per group; v3+ authorizedOperations (when asked) of the groups answered without error
      const split = splitBy<string>(req, handler, 'groups', 'groups', (g) => (can('Describe', 'Group', g) ? null : ErrorCode.GROUP_AUTHORIZATION_FAILED));
      return chain(split, (r) => filterAnswer(r, (o) => ({
        ...o,
        groups: ((o.groups ?? []) as Array<{ groupId: string; errorCode: number; authorizedOperations?: number }>).map((g) =>
          (g.errorCode !== ErrorCode.NONE || g.authorizedOperations === undefined || g.authorizedOperations === OMITTED ? g
            : { ...g, authorizedOperations: opsOn(can, 'Group', g.groupId) })),
      })), req);
    }
    case ApiKey.DescribeCluster:
      return filterAnswer(req, (o) => (o.clusterAuthorizedOperations === undefined ? o : { ...o, clusterAuthorizedOperations: clusterOps(can, o.clusterAuthorizedOperations) }));
    case ApiKey.DeleteGroups:
      return splitBy<string>(req, handler, 'groupsNames', 'results', (g) => (can('Delete', 'Group', g) ? null : ErrorCode.GROUP_AUTHORIZATION_FAILED));
    case ApiKey.ListGroups:
      // all groups with DESCRIBE on the cluster, else only those the principal may DESCRIBE
      if (can('Describe', 'Cluster', CLUSTER_NAME)) return null;
      return filterAnswer(req, (o) => ({ ...o, groups: ((o.groups ?? []) as Array<{ groupId: string }>).filter((g) => can('Describe', 'Group', g.groupId)) }));
    case ApiKey.OffsetDelete: {
      const groupId = (req.body as { groupId: string }).groupId;
      return groupGate('Delete', groupId) ?? splitTopics<{ name: string; partitions: Array<{ partitionIndex: number }> }>(req, handler, 'topics', 'topics', (t) => t.name, onTopic('Read'), {
        proceedWhenEmpty: true,
        deniedEntries: (ts, code) => ts.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) })),
      });
    }
    case ApiKey.OffsetFetch:
      return offsetFetchGate(req, handler, can);
    case ApiKey.FindCoordinator: {
      const b = req.body as { key?: string; keyType?: number; coordinatorKeys?: string[] };
      if ((b.keyType ?? 0) !== 0) return null;
      const keys = b.key !== undefined && req.apiVersion <= 3 ? [b.key] : (b.coordinatorKeys ?? []);
      return keys.every((k) => can('Describe', 'Group', k)) ? null : deny(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    }
    case ApiKey.DescribeProducers:
      return splitTopics<{ name: string }>(req, handler, 'topics', 'topics', (t) => t.name, onTopic('Read'));
    case ApiKey.DescribeTransactions: {
      // DESCRIBE per transactional id; the partitions shown only of topics the principal may DESCRIBE
      const split = splitBy<string>(req, handler, 'transactionalIds', 'transactionStates', (id) => (can('Describe', 'TransactionalId', id) ? null : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
      return chain(split, (r) => filterAnswer(r, (o) => ({
        ...o,
        transactionStates: ((o.transactionStates ?? []) as Array<{ topics: Array<{ topic: string }> }>).map((s) => ({ ...s, topics: s.topics.filter((t) => can('Describe', 'Topic', t.topic)) })),
      })), req);
    }
    case ApiKey.ListTransactions:
      return filterAnswer(req, (o) => ({ ...o, transactionStates: ((o.transactionStates ?? []) as Array<{ transactionalId: string }>).filter((s) => can('Describe', 'TransactionalId', s.transactionalId)) }));
    case ApiKey.Metadata:
      return metadataGate(req, can, topicExists);
    default:
      return null;
  }
}

/** ConfigHelper / KafkaApis: BROKER, BROKER_LOGGER, CLIENT_METRICS on the cluster (CLUSTER_AUTHORIZATION_FAILED), TOPIC on the topic. */
function configErrorOf(can: (op: AclOperation, type: ResourceType, name: string) => boolean, op: AclOperation) {
  return (r: { resourceType: number; resourceName: string }): number | null => {
    if (CLUSTER_CONFIG_TYPES.has(r.resourceType)) return can(op, 'Cluster', CLUSTER_NAME) ? null : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    if (r.resourceType === CONFIG_TOPIC) return can(op, 'Topic', r.resourceName) ? null : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    return null; // the handler answers an unknown resource type
  };
}

/**
 * AddPartitionsToTxn v0-3 (after the transactional id): WRITE per topic (internal topics excepted); any denied topic
 * fails the whole request — its partitions TOPIC_AUTHORIZATION_FAILED, the others OPERATION_NOT_ATTEMPTED.
 */
function addPartitionsToTxnTopics(req: DecodedRequest, handler: ErrorResponder, allowed: (name: string) => boolean): Gate | null {
  const topics = (req.body as { v3AndBelowTopics?: Array<{ name: string; partitions: number[] }> }).v3AndBelowTopics;
  if (!Array.isArray(topics)) return null;
  const deniedNames = new Set(topics.filter((t) => !INTERNAL_TOPICS.has(t.name) && !allowed(t.name)).map((t) => t.name));
  if (deniedNames.size === 0) return null;
  const body = handler.errorResponse(req as never, ErrorCode.OPERATION_NOT_ATTEMPTED, null) as { resultsByTopicV3AndBelow?: Array<{ name: string; resultsByPartition: Array<{ partitionErrorCode: number }> }> };
  return {
    kind: 'deny',
    body: {
      ...body,
      resultsByTopicV3AndBelow: (body.resultsByTopicV3AndBelow ?? []).map((t) => (deniedNames.has(t.name)
        ? { ...t, resultsByPartition: t.resultsByPartition.map((p) => ({ ...p, partitionErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) } : t)),
    },
  };
}

/**
 * OffsetFetch (KafkaApis.handleOffsetFetchRequestFromCoordinator): DESCRIBE per group (GROUP_AUTHORIZATION_FAILED for
 * that group); then topics the principal may not DESCRIBE are left out of an all-topics answer, and named ones are
 * answered TOPIC_AUTHORIZATION_FAILED with offset -1 (after the authorized ones), unless the group itself failed.
 */
function offsetFetchGate(req: DecodedRequest, handler: ErrorResponder, can: (op: AclOperation, type: ResourceType, name: string) => boolean): Gate | null {
  const describeTopic = (n: string) => can('Describe', 'Topic', n);
  const fixTopics = (named: Array<{ name: string; partitionIndexes: number[] }> | null, topics: OffsetFetchTopicOut[]): OffsetFetchTopicOut[] => {
    if (named === null) return topics.filter((t) => describeTopic(t.name));
    const deniedNames = new Set(named.filter((t) => !describeTopic(t.name)).map((t) => t.name));
    if (deniedNames.size === 0) return topics;
    return [
      ...topics.filter((t) => !deniedNames.has(t.name)),
      ...named.filter((t) => deniedNames.has(t.name)).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })),
      })),
    ];
  };
  if (req.apiVersion <= 7) {
    const b = req.body as { groupId: string; topics: Array<{ name: string; partitionIndexes: number[] }> | null };
    if (!can('Describe', 'Group', b.groupId)) return { kind: 'deny', body: handler.errorResponse(req as never, ErrorCode.GROUP_AUTHORIZATION_FAILED, null) };
    return filterAnswer(req, (o) => ((o.errorCode ?? 0) !== 0 ? o : { ...o, topics: fixTopics(b.topics, (o.topics ?? []) as OffsetFetchTopicOut[]) }));
  }
  type Group = { groupId: string; topics: Array<{ name: string; partitionIndexes: number[] }> | null };
  const groups = (req.body as { groups: Group[] }).groups;
  const split = splitBy<Group>(req, handler, 'groups', 'groups', (g) => (can('Describe', 'Group', g.groupId) ? null : ErrorCode.GROUP_AUTHORIZATION_FAILED));
  const named = new Map(groups.map((g) => [g.groupId, g.topics]));
  return chain(split, (r) => filterAnswer(r, (o) => ({
    ...o,
    groups: ((o.groups ?? []) as Array<{ groupId: string; errorCode: number; topics: OffsetFetchTopicOut[] }>).map((g) =>
      (g.errorCode !== 0 || !named.has(g.groupId) ? g : { ...g, topics: fixTopics(named.get(g.groupId)!, g.topics) })),
  })), req);
}

/**
 * KafkaApis.handleCreateTopicsRequest's authorizedForDescribeConfigs: a topic the principal may not DESCRIBE_CONFIGS
 * gets topicConfigErrorCode TOPIC_AUTHORIZATION_FAILED and, when created, no configs, numPartitions and
 * replicationFactor -1 and the zero topic id (ZkAdminManager fills them only for authorized topics). A topic whose
 * creation was attempted and failed has its topicConfigErrorCode reset to NONE (handleCreateTopicsResults); one never
 * attempted (CREATE denied, listed twice) keeps the error. Applied to the whole answer (the CREATE-denied entries too).
 */
function createTopicsConfigsRewrite(req: DecodedRequest, mayDescribeConfigs: (name: string) => boolean): ((o: Record<string, unknown>) => unknown) | null {
  const names = (req.body as { topics: Array<{ name: string }> }).topics.map((t) => t.name);
  const denied = new Set(names.filter((n) => !mayDescribeConfigs(n)));
  if (denied.size === 0) return null;
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  type Out = { name: string; errorCode: number; errorMessage?: string | null; topicConfigErrorCode?: number };
  return (o) => ({
    ...o,
    topics: ((o.topics ?? []) as Out[]).map((t) => {
      if (!denied.has(t.name)) return t;
      if (t.errorCode === ErrorCode.NONE) {
        return { ...t, configs: [], numPartitions: -1, replicationFactor: -1, topicId: '00000000-0000-0000-0000-000000000000', topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      }
      const attempted = (counts.get(t.name) ?? 0) === 1 && t.errorCode !== ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      return { ...t, topicConfigErrorCode: attempted ? ErrorCode.NONE : ErrorCode.TOPIC_AUTHORIZATION_FAILED };
    }),
  });
}

/** KafkaApis.handleTopicMetadataRequest's filtering (see the file header). */
function metadataGate(req: DecodedRequest, can: (op: AclOperation, type: ResourceType, name: string) => boolean, topicExists: (name: string) => boolean): Gate {
  const body = req.body as { topics: Array<{ name: string | null; topicId?: string }> | null; allowAutoTopicCreation?: boolean;
    includeTopicAuthorizedOperations?: boolean; includeClusterAuthorizedOperations?: boolean };
  const describe = (n: string) => can('Describe', 'Topic', n);
  const opsAsked = req.apiVersion >= 8 && (body.includeTopicAuthorizedOperations === true || body.includeClusterAuthorizedOperations === true);
  const withOps = <O extends { topics: MetadataTopicOut[]; clusterAuthorizedOperations?: unknown }>(o: O): O => (opsAsked ? withAuthorizedOperations(o, can) : o);
  const filterOut = (out: unknown): unknown => {
    if (out === null || typeof out !== 'object') return out;
    const o = out as { topics: MetadataTopicOut[] };
    return withOps({ ...o, topics: o.topics.filter((t) => t.name === null || describe(t.name)) });
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
      const filtered = withOps({ ...o, topics: o.topics.filter((t) => t.name === null || describe(t.name)) });
      return { ...filtered, topics: [...filtered.topics, ...deniedOut] };
    },
  };
}
