/**
 * KafkaApis: decode → dispatch → encode for every request frame of a connection.
 *
 * - Unknown / not handled API key, unsupported version (except ApiVersions) or malformed bytes: the connection is
 *   closed ({@link CloseConnectionError}) with a message naming the api key, version, client id and the problem
 *   (Kafka closes the connection too).
 * - Bytes after a fully decoded body are ignored and the request answered, as Kafka's request parsing ignores them
 *   (a librdkafka 2.0.x bug sends some); logged at debug once per connection.
 * - ApiVersions at an unsupported version: the v0-format UNSUPPORTED_VERSION answer listing the ApiVersions range,
 *   so the client steps down.
 * - A handler failing with anything else is logged and answered with the request's error response
 *   (UNKNOWN_SERVER_ERROR on every topic / partition, as Kafka's `getErrorResponse`); Produce with acks=0 has no
 *   response, so the connection is closed instead. Nothing is left unanswered.
 *
 * ApiVersions advertises exactly {@link HANDLED_API_SUPPORT}: the matrix ranges (DEFAULT_API_SUPPORT) of the keys
 * this dispatcher has handlers for.
 */
import { ADVERTISED_APIS, ApiKey, apiKeyName, apiSupport, type ApiRange, type ApiSupport } from '../../protocol/api-keys.js';

/** The matrix ranges the broker may advertise: required, recommended and the SASL APIs (answered on every listener, as Kafka). */
const MATRIX_SUPPORT: ApiSupport = apiSupport(['required', 'recommended', 'sasl']);
import { ErrorCode } from '../../protocol/errors.js';
import {
  UnknownApiKeyError,
  UnsupportedVersionError,
  decodeRequest,
  encodeApiVersionsUnsupported,
  encodeResponse,
  encodeResponseChunks,
  type DecodedRequest,
} from '../../protocol/frame.js';
import { ProtocolDecodeError } from '../../protocol/primitives/errors.js';
import { CloseConnectionError, type ConnectionInfo, type RequestHandler } from '../network/connection.js';
import { carryOnSent, frameLength, onSentOf, type ResponseFrame } from '../network/response-send.js';
import type { BrokerContext } from './broker-context.js';
import type { ApiHandler, HandlerContext } from './handlers/common.js';
import { apiVersionsHandler } from './handlers/api-versions.js';
import { metadataHandler } from './handlers/metadata.js';
import { createTopicsHandler } from './handlers/create-topics.js';
import { deleteTopicsHandler } from './handlers/delete-topics.js';
import { produceHandler } from './handlers/produce.js';
import { fetchHandler, fetchReplicaId } from './handlers/fetch.js';
import { applyClientQuotas } from '../quota/quota-managers.js';
import { createAclsHandler, deleteAclsHandler, describeAclsHandler } from './handlers/acls.js';
import { alterClientQuotasHandler, describeClientQuotasHandler } from './handlers/client-quotas.js';
import { listOffsetsHandler } from './handlers/list-offsets.js';
import { findCoordinatorHandler } from './handlers/find-coordinator.js';
import { describeConfigsHandler } from './handlers/describe-configs.js';
import { initProducerIdHandler } from './handlers/init-producer-id.js';
import { alterConfigsHandler, incrementalAlterConfigsHandler } from './handlers/alter-configs.js';
import { createPartitionsHandler } from './handlers/create-partitions.js';
import type { ProducerIdManager } from '../transaction/producer-id-manager.js';
import { leaderAndIsrHandler } from './handlers/leader-and-isr.js';
import { updateMetadataHandler } from './handlers/update-metadata.js';
import { stopReplicaHandler } from './handlers/stop-replica.js';
import { offsetForLeaderEpochHandler } from './handlers/offset-for-leader-epoch.js';
import { alterPartitionHandler } from './handlers/alter-partition.js';
import { controlledShutdownHandler } from './handlers/controlled-shutdown.js';
import { saslAuthenticateHandler, saslHandshakeHandler } from './handlers/sasl.js';
import { authorizeRequest } from '../security/request-authorizer.js';
import { deleteRecordsHandler } from './handlers/delete-records.js';
import { describeClusterHandler } from './handlers/describe-cluster.js';
import { describeLogDirsHandler } from './handlers/describe-log-dirs.js';
import { alterReplicaLogDirsHandler } from './handlers/alter-replica-log-dirs.js';
import { electLeadersHandler } from './handlers/elect-leaders.js';
import { alterPartitionReassignmentsHandler, listPartitionReassignmentsHandler } from './handlers/partition-reassignments.js';
import { GroupCoordinator } from '../group/group-coordinator.js';
import { GROUP_IMPLEMENTED_VERSIONS, groupHandlers } from '../group/register.js';
import type { TransactionCoordinator } from '../transaction/transaction-coordinator.js';
import {
  addOffsetsToTxnHandler, addPartitionsToTxnHandler, describeProducersHandler, describeTransactionsHandler, endTxnHandler, listTransactionsHandler,
  txnOffsetCommitHandler, writeTxnMarkersHandler,
} from './handlers/transactions.js';
import { findCoordinatorGroupsHandler } from './handlers/find-coordinator-groups.js';
import { alterUserScramCredentialsHandler, describeUserScramCredentialsHandler } from './handlers/user-scram-credentials.js';

/**
 * The versions each handler implements (what its code covers, not what the schemas can encode): the advertised
 * range is the intersection with the matrix range (DEFAULT_API_SUPPORT), so widening the matrix never
 * advertises a version a handler does not implement. Fetch v0–v3 down-convert to magic 0/1; Fetch stops at 12
 * (no topic-id fetch); ListOffsets stops at 7 (v8+ tiered-storage timestamps are not handled).
 */
/** The transaction APIs (issue 13): AddPartitionsToTxn v4 is the brokers' KIP-890 verification batch. */
const TXN_IMPLEMENTED_VERSIONS: ReadonlyArray<readonly [number, readonly [number, number]]> = [
  [ApiKey.AddPartitionsToTxn, [0, 4]],
  [ApiKey.AddOffsetsToTxn, [0, 3]],
  [ApiKey.EndTxn, [0, 3]],
  [ApiKey.TxnOffsetCommit, [0, 3]],
  [ApiKey.DescribeProducers, [0, 0]],
  [ApiKey.DescribeTransactions, [0, 0]],
  [ApiKey.ListTransactions, [0, 0]],
];

export const IMPLEMENTED_VERSIONS: ReadonlyMap<number, readonly [number, number]> = new Map<number, readonly [number, number]>([
  [ApiKey.Produce, [0, 9]],
  [ApiKey.Fetch, [0, 12]],
  [ApiKey.ListOffsets, [0, 7]],
  [ApiKey.Metadata, [0, 12]],
  [ApiKey.FindCoordinator, [0, 4]],
  [ApiKey.ApiVersions, [0, 3]],
  [ApiKey.CreateTopics, [0, 7]],
  [ApiKey.DeleteTopics, [0, 6]],
  [ApiKey.DescribeConfigs, [0, 4]],
  [ApiKey.InitProducerId, [0, 5]],
  [ApiKey.AlterConfigs, [0, 2]],
  [ApiKey.IncrementalAlterConfigs, [0, 1]],
  [ApiKey.CreatePartitions, [0, 3]],
  [ApiKey.OffsetForLeaderEpoch, [0, 4]],
  [ApiKey.SaslHandshake, [0, 1]],
  [ApiKey.SaslAuthenticate, [0, 2]],
  [ApiKey.DeleteRecords, [0, 2]],
  [ApiKey.DescribeCluster, [0, 1]],
  [ApiKey.AlterReplicaLogDirs, [0, 2]],
  [ApiKey.DescribeLogDirs, [0, 4]],
  [ApiKey.ElectLeaders, [0, 2]],
  [ApiKey.AlterPartitionReassignments, [0, 0]],
  [ApiKey.ListPartitionReassignments, [0, 0]],
  [ApiKey.DescribeAcls, [0, 3]],
  [ApiKey.CreateAcls, [0, 3]],
  [ApiKey.DeleteAcls, [0, 3]],
  [ApiKey.DescribeClientQuotas, [0, 1]],
  [ApiKey.AlterClientQuotas, [0, 1]],
  [ApiKey.DescribeUserScramCredentials, [0, 0]],
  [ApiKey.AlterUserScramCredentials, [0, 0]],
  ...GROUP_IMPLEMENTED_VERSIONS,
  ...TXN_IMPLEMENTED_VERSIONS,
]);

/** The API keys this dispatcher handles (and ApiVersions advertises), in key order. */
export const HANDLED_API_KEYS: readonly number[] = Object.freeze([...IMPLEMENTED_VERSIONS.keys()].sort((a, b) => a - b));

/** The advertised ranges: the matrix ranges of the handled keys, intersected with what the handlers implement. */
export const HANDLED_API_SUPPORT: ApiSupport = new Map(
  HANDLED_API_KEYS.map((k): [number, ApiRange] => {
    const range = MATRIX_SUPPORT.get(k);
    const [lo, hi] = IMPLEMENTED_VERSIONS.get(k)!;
    if (!range) throw new Error(`API key ${k} (${apiKeyName(k)}) is handled but has no advertised range`);
    const minVersion = Math.max(lo, range.minVersion);
    const maxVersion = Math.min(hi, range.maxVersion);
    if (minVersion > maxVersion) throw new Error(`${range.name}: advertised ${range.minVersion}-${range.maxVersion} but handled ${lo}-${hi}`);
    return [k, minVersion === range.minVersion && maxVersion === range.maxVersion ? range : Object.freeze({ ...range, minVersion, maxVersion })];
  }),
);

/**
 * The controller-to-broker APIs, at Kafka 3.x's full ranges (every version an inter.broker.protocol.version may
 * pick). Accepted on every listener, as a ZooKeeper-mode Kafka broker does, but not advertised in ApiVersions:
 * clients never send them (the protocol matrix keeps inter-broker keys out of the client-facing list).
 */
export const INTER_BROKER_VERSIONS: ReadonlyMap<number, readonly [number, number]> = new Map<number, readonly [number, number]>([
  [ApiKey.LeaderAndIsr, [0, 7]],
  [ApiKey.StopReplica, [0, 4]],
  [ApiKey.UpdateMetadata, [0, 8]],
  [ApiKey.ControlledShutdown, [0, 3]],
  [ApiKey.AlterPartition, [0, 3]],
  [ApiKey.WriteTxnMarkers, [0, 1]],
]);

export const INTER_BROKER_API_SUPPORT: ApiSupport = new Map(
  ADVERTISED_APIS.filter((a) => INTER_BROKER_VERSIONS.has(a.apiKey)).map((a): [number, ApiRange] => {
    const [lo, hi] = INTER_BROKER_VERSIONS.get(a.apiKey)!;
    return [a.apiKey, Object.freeze({ ...a, minVersion: Math.max(lo, a.minVersion), maxVersion: Math.min(hi, a.maxVersion) })];
  }),
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyHandler = ApiHandler<any>;

function buildHandlers(support: ApiSupport, groups: GroupCoordinator, producerIds: ProducerIdManager | null, txns: TransactionCoordinator | null): Map<number, AnyHandler> {
  const list: AnyHandler[] = [
    apiVersionsHandler(support),
    metadataHandler(),
    createTopicsHandler(),
    deleteTopicsHandler(),
    produceHandler(txns?.verification ?? null),
    fetchHandler(),
    listOffsetsHandler(),
    findCoordinatorHandler(),
    describeConfigsHandler(),
    initProducerIdHandler(producerIds, txns),
    leaderAndIsrHandler(),
    updateMetadataHandler(),
    stopReplicaHandler(),
    alterPartitionHandler(),
    controlledShutdownHandler(),
    alterConfigsHandler(),
    incrementalAlterConfigsHandler(),
    createPartitionsHandler(),
    offsetForLeaderEpochHandler(),
    saslHandshakeHandler(),
    saslAuthenticateHandler(),
    describeAclsHandler(),
    createAclsHandler(),
    deleteAclsHandler(),
    describeClientQuotasHandler(),
    alterClientQuotasHandler(),
    describeUserScramCredentialsHandler(),
    alterUserScramCredentialsHandler(),
    deleteRecordsHandler(),
    describeClusterHandler(),
    describeLogDirsHandler(),
    alterReplicaLogDirsHandler(),
    electLeadersHandler(),
    alterPartitionReassignmentsHandler(),
    listPartitionReassignmentsHandler(),
  ];
  const map = new Map<number, AnyHandler>(list.map((h) => [h.apiKey, h]));
  for (const [k, h] of groupHandlers(groups)) map.set(k, h); // FindCoordinator: the group coordinator's
  map.set(ApiKey.FindCoordinator, findCoordinatorGroupsHandler(groups, txns)); // … and the transaction coordinator's
  map.set(ApiKey.WriteTxnMarkers, writeTxnMarkersHandler(groups));
  map.set(ApiKey.DescribeProducers, describeProducersHandler());
  for (const h of [addPartitionsToTxnHandler(txns!), addOffsetsToTxnHandler(txns!, groups), endTxnHandler(txns!), describeTransactionsHandler(txns!), listTransactionsHandler(txns!)] as AnyHandler[]) {
    // without a transaction coordinator (handler tests) these answer COORDINATOR_NOT_AVAILABLE
    map.set(h.apiKey, txns ? h : { ...h, handle: async (req: never) => h.errorResponse(req, ErrorCode.COORDINATOR_NOT_AVAILABLE, null) });
  }
  map.set(ApiKey.TxnOffsetCommit, txnOffsetCommitHandler(groups, txns?.verification ?? null)); // KIP-890 verification (S)
  for (const k of HANDLED_API_KEYS) if (!map.has(k)) throw new Error(`no handler for ${apiKeyName(k)}`);
  return map;
}

/** "api key 3 (Metadata) version 9, correlation id 7, client id 'x', from <conn>" as far as readable. */
function describeFrame(frame: Buffer, conn: ConnectionInfo): string {
  const from = `from ${conn.remoteAddress}:${conn.remotePort} on ${conn.listenerName} (${conn.id})`;
  if (frame.length < 8) return `a ${frame.length}-byte frame ${from}`;
  const apiKey = frame.readInt16BE(0);
  const version = frame.readInt16BE(2);
  const correlationId = frame.readInt32BE(4);
  let clientId = 'unreadable';
  if (frame.length >= 10) {
    const len = frame.readInt16BE(8);
    if (len === -1) clientId = 'null';
    else if (len >= 0 && 10 + len <= frame.length) clientId = `'${frame.toString('utf8', 10, 10 + len)}'`;
  }
  return `api key ${apiKey} (${apiKeyName(apiKey)}) version ${version}, correlation id ${correlationId}, client id ${clientId}, ${from}`;
}

function describeRequest(req: DecodedRequest, conn: ConnectionInfo): string {
  return `${apiKeyName(req.apiKey)} v${req.apiVersion} request (correlation id ${req.header.correlationId}, client id ${
    req.header.clientId === null ? 'null' : `'${req.header.clientId}'`}) from ${conn.remoteAddress}:${conn.remotePort} (${conn.id})`;
}

export interface RequestHandlerOptions {
  /** The versions accepted and advertised (default {@link HANDLED_API_SUPPORT}); tests widen it to every implemented version. */
  support?: ApiSupport;
  /** The broker's group coordinator (default: a new one over `ctx`). */
  groupCoordinator?: GroupCoordinator;
  /** Producer ids for InitProducerId (default none: idempotent producers get COORDINATOR_NOT_AVAILABLE). */
  producerIdManager?: ProducerIdManager;
  /** The transaction coordinator (default none: transactional requests get COORDINATOR_NOT_AVAILABLE). */
  transactionCoordinator?: TransactionCoordinator;
}

export function createRequestHandler(ctx: BrokerContext, opts: RequestHandlerOptions = {}): RequestHandler {
  const support = opts.support ?? HANDLED_API_SUPPORT;
  const handlers = buildHandlers(support, opts.groupCoordinator ?? new GroupCoordinator(ctx), opts.producerIdManager ?? null, opts.transactionCoordinator ?? null);
  const accepted: ApiSupport = new Map([...INTER_BROKER_API_SUPPORT, ...support]);
  /** Connections whose trailing bytes were already logged (each connection's info object is stable). */
  const trailingLogged = new WeakSet<ConnectionInfo>();

  return async (frame, conn) => {
    let req: DecodedRequest;
    try {
      req = decodeRequest(frame, accepted);
    } catch (e) {
      if (e instanceof UnsupportedVersionError && e.header.requestApiKey === ApiKey.ApiVersions) {
        return encodeApiVersionsUnsupported(e.header.correlationId, support);
      }
      const what = describeFrame(frame, conn);
      if (e instanceof UnknownApiKeyError) {
        throw new CloseConnectionError(`Unknown or unhandled API key in ${what}: closing the connection`);
      }
      if (e instanceof UnsupportedVersionError) {
        const r = e.supported;
        throw new CloseConnectionError(`Unsupported version in ${what}: ${r.name} is handled in versions ${r.minVersion}-${r.maxVersion}; closing the connection`);
      }
      if (e instanceof ProtocolDecodeError) {
        throw new CloseConnectionError(`Malformed request, ${what}: ${e.message}; closing the connection`);
      }
      throw new CloseConnectionError(`Could not decode ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }

    if (req.trailingBytes > 0 && !trailingLogged.has(conn)) {
      trailingLogged.add(conn);
      ctx.log.debug({ api: apiKeyName(req.apiKey), apiVersion: req.apiVersion, trailingBytes: req.trailingBytes, connection: conn.id },
        `Ignoring ${req.trailingBytes} bytes after the body of ${describeRequest(req, conn)} (as Kafka does; logged once per connection)`);
    }

    const handler = handlers.get(req.apiKey);
    if (!handler) throw new CloseConnectionError(`No handler for ${describeRequest(req, conn)}`);
    const hc: HandlerContext = { broker: ctx, conn };
    const correlationId = req.header.correlationId;

    // clock reads cost 0.1-0.4 µs each on a VM (kvm-clock): only those something uses. One start time serves the
    // dispatcher's TotalTimeMs and the handler's own time (which includes authorization, as Kafka's KafkaApis.handle).
    const debug = ctx.log.isLevelEnabled('debug');
    const started = debug ? Date.now() : 0;
    const timed = ctx.requestMetrics !== undefined || (ctx.quotas !== undefined && ctx.quotas.request.quotasEnabled);
    const t0 = timed ? performance.now() : 0;
    const completed = (response: ResponseFrame | null): ResponseFrame | null => {
      ctx.requestMetrics?.record(req.apiKey, req.apiVersion, performance.now() - t0, handlerMs);
      if (debug) {
        ctx.log.debug({ api: apiKeyName(req.apiKey), apiVersion: req.apiVersion, correlationId, clientId: req.header.clientId, connection: conn.id,
          ms: Date.now() - started, responseBytes: response === null ? 0 : frameLength(response) }, `Completed ${apiKeyName(req.apiKey)} request`);
      }
      return response;
    };

    let body: unknown;
    let handlerMs = 0;
    try {
      // KafkaApis' authorize calls (services/security/request-authorizer.ts), when an authorizer is configured
      const gate = ctx.authorizer ? authorizeRequest(ctx.authorizer, req, conn, handler, (t) => ctx.metadata.topic(t) !== undefined) : null;
      let pending: Promise<unknown>;
      if (gate?.kind === 'deny') pending = Promise.resolve(gate.body);
      else if (gate) { const g = gate; pending = handler.handle(g.req as never, hc).then((out) => g.merge(out)); }
      else pending = handler.handle(req, hc);
      if (timed) handlerMs = performance.now() - t0; // the handler's own turn on the event loop (request_percentage, LocalTimeMs)
      body = await pending;
    } catch (e) {
      if (e instanceof CloseConnectionError) throw e;
      ctx.log.error({ err: e }, `Error handling ${describeRequest(req, conn)}`);
      if (req.apiKey === ApiKey.Produce && req.body.acks === 0) {
        throw new CloseConnectionError(`Closing connection after an error in a Produce request with acks=0 (${describeRequest(req, conn)}): ${e instanceof Error ? e.message : String(e)}`);
      }
      body = handler.errorResponse(req, ErrorCode.UNKNOWN_SERVER_ERROR, null);
    }
    if (ctx.quotas) {
      // KafkaApis' quota step: throttle_time_ms in the response, the connection muted after it (KIP-219)
      const throttleMs = applyClientQuotas(ctx.quotas, req.apiKey, req.header.clientId, frame.length, handlerMs,
        req.apiKey === ApiKey.Fetch ? fetchReplicaId(req) : -1, req.apiKey === ApiKey.Produce ? req.body.acks : -1, conn, body);
      if (throttleMs > 0) ctx.requestMetrics?.throttled(req.apiKey, throttleMs);
    }
    if (body === null) return completed(null);
    ctx.requestMetrics?.recordErrors(req.apiKey, body); // ErrorsPerSec (metrics on only)

    try {
      // Fetch: the record bytes read from the log are written as they are, not copied into the response (response-send.ts)
      // (and the pooled read buffers go back once the connection wrote them: carryOnSent)
      return completed(req.apiKey === ApiKey.Fetch
        ? carryOnSent(body, encodeResponseChunks(correlationId, req.apiKey, req.apiVersion, body as never))
        : encodeResponse(correlationId, req.apiKey, req.apiVersion, body as never));
    } catch (e) {
      onSentOf(body)?.();
      ctx.log.error({ err: e }, `Error encoding the response to ${describeRequest(req, conn)}`);
      try {
        return completed(encodeResponse(correlationId, req.apiKey, req.apiVersion, handler.errorResponse(req, ErrorCode.UNKNOWN_SERVER_ERROR, null) as never));
      } catch (e2) {
        throw new CloseConnectionError(`Could not encode any response to ${describeRequest(req, conn)}: ${e2 instanceof Error ? e2.message : String(e2)}`);
      }
    }
  };
}
