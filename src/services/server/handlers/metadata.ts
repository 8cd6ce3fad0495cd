/**
 * Metadata (3), as Kafka's `KafkaApis.handleTopicMetadataRequest` + `ZkMetadataCache`:
 * - brokers: live brokers with an endpoint on the listener the request arrived on;
 * - topics: all (v0: empty list; v1+: null list) or the requested ones, deduplicated;
 * - unknown requested topics are auto-created (v0–3 always ask for it; v4+ `allowAutoTopicCreation`) when
 *   `auto.create.topics.enable`: the topic is written through `admin.createTopic` and answered
 *   LEADER_NOT_AVAILABLE (clients retry); otherwise UNKNOWN_TOPIC_OR_PARTITION. Invalid names get
 *   INVALID_TOPIC_EXCEPTION either way. A request for all topics never creates anything;
 * - partitions whose leader is -1 or not a live broker: LEADER_NOT_AVAILABLE with leader -1 (a live leader with no
 *   endpoint on this listener: LISTENER_NOT_FOUND from v6); v0 (which filters unavailable endpoints) also gets
 *   REPLICA_NOT_AVAILABLE when a replica or ISR member is not reachable;
 * - authorized operations: every supported operation when asked for (no authorizer), else INT32_MIN.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ResponseInput } from '../../../protocol/frame.js';
import { isInternalTopic, validateTopicName } from '../../admin/topic-validation.js';
import type { TopicMetadata } from '../../controller/cluster-metadata.js';
import type { BrokerContext, CreateTopicRequest } from '../broker-context.js';
import {
  AUTHORIZED_OPERATIONS_OMITTED,
  CLUSTER_AUTHORIZED_OPERATIONS,
  TOPIC_AUTHORIZED_OPERATIONS,
  ZERO_UUID,
  adminTimeoutMs,
  errorMessageOf,
  knownErrorCode,
  topicIdToWire,
  type ApiHandler,
  type RequestOf,
  withTimeout,
} from './common.js';

type MetadataResponse = ResponseInput<typeof ApiKey.Metadata>;
type TopicOut = NonNullable<MetadataResponse['topics']>[number];
type PartitionOut = NonNullable<TopicOut['partitions']>[number];

/** What auto-creation asks for (Kafka's AutoTopicCreationManager.creatableTopic). */
export function autoCreateRequest(ctx: BrokerContext, name: string): CreateTopicRequest {
  const c = ctx.config();
  if (name === '__consumer_offsets') {
    return {
      name,
      numPartitions: c.getInt('offsets.topic.num.partitions'),
      replicationFactor: c.getInt('offsets.topic.replication.factor'),
      configs: { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(c.getInt('offsets.topic.segment.bytes')) },
    };
  }
  if (name === '__transaction_state') {
    return {
      name,
      numPartitions: c.getInt('transaction.state.log.num.partitions'),
      replicationFactor: c.getInt('transaction.state.log.replication.factor'),
      configs: {
        'cleanup.policy': 'compact',
        'compression.type': 'uncompressed',
        'min.insync.replicas': String(c.getInt('transaction.state.log.min.isr')),
        'segment.bytes': String(c.getInt('transaction.state.log.segment.bytes')),
        'unclean.leader.election.enable': 'false',
      },
    };
  }
  return { name, numPartitions: c.getInt('num.partitions'), replicationFactor: c.getInt('default.replication.factor'), configs: {} };
}

function isValidTopicName(name: string): boolean {
  try {
    validateTopicName(name);
    return true;
  } catch {
    return false;
  }
}

export function metadataHandler(): ApiHandler<typeof ApiKey.Metadata> {
  /** Auto-creations under way: concurrent requests for the same topic share one ZooKeeper write. */
  const creating = new Map<string, Promise<number>>();

  async function autoCreate(ctx: BrokerContext, name: string): Promise<number> {
    if (!isValidTopicName(name)) return ErrorCode.INVALID_TOPIC_EXCEPTION;
    let p = creating.get(name);
    if (!p) {
      p = (async () => {
        try {
          await withTimeout(ctx.admin.createTopic(autoCreateRequest(ctx, name), false), adminTimeoutMs(ctx), `Auto-creation of topic ${name}`);
          ctx.log.info({ topic: name }, `Auto-created topic ${name}`);
          return ErrorCode.LEADER_NOT_AVAILABLE;
        } catch (e) {
          const code = knownErrorCode(e);
          if (code === ErrorCode.TOPIC_ALREADY_EXISTS) return ErrorCode.LEADER_NOT_AVAILABLE; // created meanwhile
          if (code === ErrorCode.INVALID_TOPIC_EXCEPTION || code === ErrorCode.INVALID_REPLICATION_FACTOR) return code;
          ctx.log.warn({ topic: name, err: e }, `Auto-creation of topic ${name} failed: ${errorMessageOf(e)}`);
          return ErrorCode.LEADER_NOT_AVAILABLE;
        } finally {
          creating.delete(name);
        }
      })();
      creating.set(name, p);
    }
    return p;
  }

  return {
    apiKey: ApiKey.Metadata,
    async handle(req, { broker: ctx, conn }) {
      const version = req.apiVersion;
      const body = req.body;
      const md = ctx.metadata;
      const liveBrokers = md.brokers();
      const live = new Set(liveBrokers.map((b) => b.id));
      const listener = conn.listenerName.toUpperCase();
      const brokers = liveBrokers.flatMap((b) => {
        const ep = b.endpoints.find((e) => e.listenerName.toUpperCase() === listener);
        return ep ? [{ nodeId: b.id, host: ep.host ?? '', port: ep.port, rack: b.rack }] : [];
      });
      const reachable = new Set(brokers.map((b) => b.nodeId));
      const includeTopicOps = version >= 8 && body.includeTopicAuthorizedOperations;
      const topicOps = includeTopicOps ? TOPIC_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;

      const describe = (t: TopicMetadata): TopicOut => {
        const partitions = [...t.partitions].sort((a, b) => a.partition - b.partition).map((p): PartitionOut => {
          const leaderLive = p.leader >= 0 && reachable.has(p.leader);
          let errorCode: number = ErrorCode.NONE;
          let replicaNodes = p.replicas;
          let isrNodes = p.isr;
          if (version === 0) {
            replicaNodes = p.replicas.filter((r) => reachable.has(r));
            isrNodes = p.isr.filter((r) => reachable.has(r));
          }
          if (!leaderLive) {
            // a live leader without an endpoint on this listener: LISTENER_NOT_FOUND from v6 (Kafka's errorUnavailableListeners)
            errorCode = p.leader >= 0 && live.has(p.leader) && version >= 6 ? ErrorCode.LISTENER_NOT_FOUND : ErrorCode.LEADER_NOT_AVAILABLE;
          } else if (version === 0 && (replicaNodes.length < p.replicas.length || isrNodes.length < p.isr.length)) {
            errorCode = ErrorCode.REPLICA_NOT_AVAILABLE;
          }
          return {
            errorCode,
            partitionIndex: p.partition,
            leaderId: leaderLive ? p.leader : -1,
            leaderEpoch: p.leaderEpoch,
            replicaNodes,
            isrNodes,
            offlineReplicas: p.offlineReplicas,
          };
        });
        return {
          // A topic whose partitions are not known yet is still being created.
          errorCode: partitions.length === 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
          name: t.name,
          topicId: topicIdToWire(t.topicId),
          isInternal: isInternalTopic(t.name),
          partitions,
          topicAuthorizedOperations: topicOps,
        };
      };
      const missing = (name: string | null, errorCode: number, topicId = ZERO_UUID): TopicOut => ({
        errorCode,
        name,
        topicId,
        isInternal: name !== null && isInternalTopic(name),
        partitions: [],
        // an unknown topic id keeps Int.MinValue (Kafka computes the field only for topics it looked up by name)
        topicAuthorizedOperations: name === null ? AUTHORIZED_OPERATIONS_OMITTED : topicOps,
      });

      const requested = body.topics;
      const allTopics = requested === null || (version === 0 && requested.length === 0);
      let topics: TopicOut[];
      if (allTopics) {
        topics = md.topics().map(describe);
      } else {
        const autoCreateAllowed = body.allowAutoTopicCreation && ctx.config().getBoolean('auto.create.topics.enable');
        const seen = new Set<string>();
        const pending: Array<Promise<TopicOut>> = [];
        for (const entry of requested) {
          let name = entry.name;
          if (name === null) {
            // v10+: by topic id
            const wanted = entry.topicId;
            const byId = md.topics().find((t) => topicIdToWire(t.topicId) === wanted);
            if (!byId) { pending.push(Promise.resolve(missing(null, ErrorCode.UNKNOWN_TOPIC_ID, wanted))); continue; }
            name = byId.name;
          }
          if (seen.has(name)) continue;
          seen.add(name);
          const t = md.topic(name);
          if (t) { pending.push(Promise.resolve(describe(t))); continue; }
          const n = name;
          if (autoCreateAllowed) pending.push(autoCreate(ctx, n).then((code) => missing(n, code)));
          else pending.push(Promise.resolve(missing(n, isValidTopicName(n) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION)));
        }
        topics = await Promise.all(pending);
      }

      return {
        throttleTimeMs: 0,
        brokers,
        clusterId: md.clusterId(),
        controllerId: md.controllerId(),
        topics,
        clusterAuthorizedOperations: version >= 8 && version <= 10 && body.includeClusterAuthorizedOperations
          ? CLUSTER_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
      };
    },
    errorResponse(req: RequestOf<typeof ApiKey.Metadata>, errorCode) {
      // Kafka's MetadataRequest.getErrorResponse: every requested topic with the error, no brokers.
      const topics = (req.body.topics ?? []).map((t) => ({ errorCode, name: t.name, topicId: t.topicId, isInternal: false, partitions: [] }));
      return { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: -1, topics };
    },
  };
}
