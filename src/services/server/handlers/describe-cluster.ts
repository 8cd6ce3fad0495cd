/**
 * DescribeCluster (60), as Kafka 3.7's KafkaApis.handleDescribeCluster + AuthHelper.computeDescribeClusterResponse on a
 * ZooKeeper-mode broker: the live brokers with their endpoint on the listener the request came in on (and rack), the
 * controller id from the metadata (-1 unknown) and the cluster id. v1's endpointType must be 1 (brokers): 2
 * (controllers) → MISMATCHED_ENDPOINT_TYPE, anything else → UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST at v0).
 * With no authorizer every cluster operation is authorized.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import { CLUSTER_AUTHORIZED_OPERATIONS, AUTHORIZED_OPERATIONS_OMITTED, type ApiHandler } from './common.js';

const BROKER = 1, CONTROLLER = 2;

export function describeClusterHandler(): ApiHandler<typeof ApiKey.DescribeCluster> {
  return {
    apiKey: ApiKey.DescribeCluster,
    async handle(req, { broker: ctx, conn }) {
      const md = ctx.metadata;
      const type = req.body.endpointType;
      const base = { throttleTimeMs: 0, clusterId: md.clusterId(), endpointType: BROKER };
      if (type !== BROKER) {
        const known = type === CONTROLLER;
        return { ...base, errorCode: req.apiVersion === 0 ? ErrorCode.INVALID_REQUEST : known ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
          errorMessage: known ? 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER' : `Unsupported endpoint type ${type}`, brokers: [] };
      }
      const listener = conn.listenerName.toUpperCase();
      const brokers = md.brokers().flatMap((b) => {
        const ep = b.endpoints.find((e) => e.listenerName.toUpperCase() === listener);
        return ep ? [{ brokerId: b.id, host: ep.host ?? '', port: ep.port, rack: b.rack }] : [];
      }).sort((a, b) => a.brokerId - b.brokerId);
      return {
        ...base, errorCode: ErrorCode.NONE, errorMessage: null, controllerId: md.controllerId(), brokers,
        clusterAuthorizedOperations: req.body.includeClusterAuthorizedOperations ? CLUSTER_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
      };
    },
    errorResponse(_req, errorCode, message) {
      return { throttleTimeMs: 0, errorCode, errorMessage: message, clusterId: '', brokers: [] };
    },
  };
}
